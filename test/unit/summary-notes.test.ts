/** The meeting notes as they sit under the summary's "Notes" heading. */
import { describe, expect, it } from 'vitest';
import { mdEscape, notesForSummary } from '../../server/sessions/summary';

describe('notesForSummary', () => {
  it('drops the title line and moves headings two levels down, at most to six', () => {
    const md = '# Unit 3 — notes\n\n## Agenda\n\n1. Data\n\n### Step 1\n\ntext\n\n##### Deep\n\n###### Deepest\n';
    expect(notesForSummary(md)).toEqual({
      markdown: '#### Agenda\n\n1. Data\n\n##### Step 1\n\ntext\n\n###### Deep\n\n###### Deepest',
      truncated: false,
    });
  });

  it('leaves lines inside code fences alone, and text that only starts with #', () => {
    const md = '# T\n\n```\n# not a heading\n```\n\n#hashtag\n\n## Real\n';
    expect(notesForSummary(md).markdown).toBe('```\n# not a heading\n```\n\n#hashtag\n\n#### Real');
  });

  it('cuts long notes at a line break and says so', () => {
    const md = `# T\n\n${Array.from({ length: 100 }, (_, i) => `line ${i}`).join('\n')}`;
    const out = notesForSummary(md, 50);
    expect(out.truncated).toBe(true);
    expect(out.markdown.length).toBeLessThanOrEqual(50);
    expect(out.markdown.endsWith('\n')).toBe(false);
    expect(out.markdown.startsWith('line 0\nline 1')).toBe(true);
  });

  it('empty notes stay empty', () => {
    expect(notesForSummary('# Title\n\n\n')).toEqual({ markdown: '', truncated: false });
  });

  it('mdEscape keeps user text from breaking the summary structure', () => {
    expect(mdEscape('a | b\n# c [x](y)')).toBe('a \\| b \\# c \\[x\\](y)');
  });
});
