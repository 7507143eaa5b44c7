/**
 * Document templates as data. Rich-text bodies are a small ProseMirror-JSON-like tree using Tiptap's node
 * and mark names; the server turns them into the Y.XmlFragment 'default' exactly as y-prosemirror would
 * (server/docs/yxml.ts). A budget starts from plain line items and an allocation.
 */
import type { TemplateId } from './docs';
import { stepTitle } from './sessions';

export type MarkName = 'bold' | 'italic' | 'code' | 'strike' | 'link';
export interface RichMark {
  type: MarkName;
  attrs?: Record<string, string>;
}
export interface RichText {
  type: 'text';
  text: string;
  marks?: RichMark[];
}
export interface RichElement {
  type:
    | 'heading'
    | 'paragraph'
    | 'bulletList'
    | 'orderedList'
    | 'listItem'
    | 'taskList'
    | 'taskItem'
    | 'table'
    | 'tableRow'
    | 'tableHeader'
    | 'tableCell'
    | 'blockquote'
    | 'codeBlock'
    | 'horizontalRule';
  attrs?: Record<string, string | number | boolean>;
  content?: RichNode[];
}
export type RichNode = RichText | RichElement;

export interface BudgetLineSeed {
  category: string;
  description: string;
  quantity: number;
  unitCost: number;
  fundingSource: string;
  notes: string;
}

export interface Template {
  id: TemplateId;
  label: string;
  description: string;
  kind: 'rich' | 'budget';
  /** Top-level blocks of the 'default' fragment (rich templates). */
  body?: RichNode[];
  /** Initial line items and allocation (budget template). */
  budget?: BudgetSeed;
}

/** A budget's starting content: its lines, allocation and (for a remix) the attribution line it shows. */
export interface BudgetSeed {
  lines: BudgetLineSeed[];
  allocation: number;
  attribution?: string;
}

// Tiny builders keep the template data readable.
const t = (text: string, ...marks: MarkName[]): RichText => (marks.length ? { type: 'text', text, marks: marks.map((type) => ({ type })) } : { type: 'text', text });
const h = (level: number, text: string): RichElement => ({ type: 'heading', attrs: { level }, content: [t(text)] });
const p = (...content: (RichText | string)[]): RichElement => ({ type: 'paragraph', content: content.map((c) => (typeof c === 'string' ? t(c) : c)) });
const prompt = (text: string): RichElement => p(t(text, 'italic'));
const li = (text: string): RichElement => ({ type: 'listItem', content: [p(text)] });
const ul = (...items: string[]): RichElement => ({ type: 'bulletList', content: items.map(li) });
const ol = (...items: string[]): RichElement => ({ type: 'orderedList', attrs: { start: 1 }, content: items.map(li) });
const tasks = (...items: string[]): RichElement => ({
  type: 'taskList',
  content: items.map((text) => ({ type: 'taskItem', attrs: { checked: false }, content: [p(text)] })),
});
const cell = (type: 'tableHeader' | 'tableCell', text: string): RichElement => ({
  type,
  attrs: { colspan: 1, rowspan: 1 },
  content: [text ? p(text) : { type: 'paragraph' }],
});
const table = (header: string[], rows: string[][]): RichElement => ({
  type: 'table',
  content: [
    { type: 'tableRow', content: header.map((c) => cell('tableHeader', c)) },
    ...rows.map((r): RichElement => ({ type: 'tableRow', content: r.map((c) => cell('tableCell', c)) })),
  ],
});

export const TEMPLATES: readonly Template[] = [
  {
    id: 'blank',
    label: 'Blank page',
    description: 'An empty document to write anything.',
    kind: 'rich',
    body: [{ type: 'paragraph' }],
  },
  {
    id: 'curriculum-unit',
    label: 'Curriculum unit',
    description: 'Understanding by Design: desired results, evidence, then the learning plan.',
    kind: 'rich',
    body: [
      h(2, 'Stage 1: Desired results'),
      h(3, 'Established goals'),
      prompt('Which standards or curriculum goals does this unit address?'),
      h(3, 'Enduring understandings'),
      prompt('Students will understand that...'),
      ul(''),
      h(3, 'Essential questions'),
      prompt('Open-ended questions that point to the big ideas.'),
      ul(''),
      h(3, 'Students will know and be able to'),
      ul('Know: ', 'Do: '),
      h(2, 'Stage 2: Evidence'),
      h(3, 'Performance tasks'),
      prompt('How will students show their understanding in an authentic task?'),
      h(3, 'Other evidence'),
      prompt('Quizzes, observations, work samples, self-assessment.'),
      h(2, 'Stage 3: Learning plan'),
      h(3, 'Learning activities'),
      prompt('Sequence the lessons so that students reach the desired results.'),
      table(['Week', 'Activities', 'Checks for understanding'], [['1', '', ''], ['2', '', '']]),
      h(3, 'Resources and differentiation'),
      ul(''),
    ],
  },
  {
    id: 'lesson-plan',
    label: 'Lesson plan (lesson study)',
    description: 'A research lesson: goals, anticipated student responses, observation focus and debrief.',
    kind: 'rich',
    body: [
      h(2, 'Goals'),
      h(3, 'Long-term goals'),
      prompt('Which qualities do we want to nurture in our students over time?'),
      h(3, 'Lesson goals'),
      prompt('What should students understand by the end of this lesson?'),
      h(2, 'Lesson flow and anticipated student responses'),
      table(['Steps and questions', 'Anticipated student responses', 'Teacher support'], [['Introduction', '', ''], ['Main task', '', ''], ['Summary', '', '']]),
      h(2, 'Observation focus'),
      prompt('What should observers watch and record? Which students?'),
      ul(''),
      h(2, 'Debrief'),
      h(3, 'What we saw'),
      ul(''),
      h(3, 'What we learned and will change'),
      ul(''),
    ],
  },
  {
    id: 'meeting-notes',
    label: 'Meeting notes',
    description: 'PLC meeting: agenda, norms, notes, decisions and action items.',
    kind: 'rich',
    body: [
      h(2, 'Agenda'),
      ol(''),
      h(2, 'Norms'),
      ul('Start and end on time', 'Assume positive intent', 'Keep students at the center'),
      h(2, 'Notes'),
      p(''),
      h(2, 'Decisions'),
      ul(''),
      h(2, 'Action items'),
      prompt('Who does what, by when?'),
      tasks(''),
    ],
  },
  {
    id: 'action-research',
    label: 'Action research plan',
    description: 'An inquiry cycle: question, context, data plan, timeline and findings.',
    kind: 'rich',
    body: [
      h(2, 'Research question'),
      prompt('What do you want to learn about your practice and your students?'),
      h(2, 'Context'),
      prompt('Who are the students, what is the setting, why does it matter?'),
      h(2, 'Data plan'),
      table(['Data source', 'What it tells us', 'When collected'], [['', '', '']]),
      h(2, 'Timeline'),
      tasks('Collect baseline data', 'Try the intervention', 'Collect follow-up data', 'Analyse and share'),
      h(2, 'Findings'),
      prompt('What did the data show? What will you do next?'),
      p(''),
    ],
  },
  {
    id: 'budget',
    label: 'Budget',
    description: 'Line items with quantities and unit costs, totals by category against an allocation.',
    kind: 'budget',
    budget: {
      allocation: 0,
      lines: [{ category: 'Materials', description: '', quantity: 1, unitCost: 0, fundingSource: '', notes: '' }],
    },
  },
];

/** The template with this id (every TemplateId has one). */
export function templateById(id: string): Template | undefined {
  return TEMPLATES.find((tpl) => tpl.id === id);
}

/** The human label of a template id, or the id itself for an unknown one. */
export function templateLabel(id: string): string {
  return templateById(id)?.label ?? id;
}

/** A step of a session, as the meeting-notes document needs it. */
export interface NotesStep {
  title: string;
  minutes: number;
  prompt: string;
  speakingLabel: string;
}

/**
 * The body of a live session's meeting-notes document: the agenda, the pinned norms, then a section per
 * step (its prompt, who speaks, room for notes), then decisions and action items.
 */
export function sessionNotesBody(steps: NotesStep[], norms: string[]): RichNode[] {
  return [
    h(2, 'Agenda'),
    ol(...steps.map((s) => `${stepTitle(s.title)} (${s.minutes} min)`)),
    h(2, 'Norms'),
    norms.length ? ul(...norms) : prompt('No norms pinned yet.'),
    ...steps.flatMap((s, i) => [
      h(2, `Step ${i + 1}: ${stepTitle(s.title)}`),
      prompt([s.prompt, `${s.speakingLabel} · ${s.minutes} min`].filter(Boolean).join(' — ')),
      ul(''),
    ]),
    h(2, 'Decisions'),
    ul(''),
    h(2, 'Action items'),
    prompt('Who does what, by when?'),
    tasks(''),
  ];
}
