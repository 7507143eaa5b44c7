/** The search words of a publication: the chat's tokenizer, applied block by block, under a bigger cap. */
import { searchWords } from '../../shared/chat';

const WORDS_MAX = 3000;

/** Lowercased distinct words of every part, for `{ words: w }` lookups (records.ts explains why). */
export function publicationWords(...parts: string[]): string[] {
  const out = new Set<string>();
  // searchWords keeps 200 words per call; paragraphs are far shorter, so splitting loses nothing.
  for (const block of parts.join('\n').split(/\n+/)) {
    for (const w of searchWords(block)) {
      out.add(w);
      // "chlorophyll-free" is found by "chlorophyll" too.
      if (/[-']/.test(w)) for (const part of searchWords(w.replace(/[-']/g, ' '))) out.add(part);
    }
    if (out.size >= WORDS_MAX) break;
  }
  return [...out].slice(0, WORDS_MAX);
}

/** The words of a search box, as they are stored. */
export const queryWords = (q: string) => searchWords(q).slice(0, 10);
