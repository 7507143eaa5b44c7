/**
 * The student-information check: a pure function over text that flags what looks like student data
 * (emails, phone numbers, long ID-like numbers, dates of birth, names from the space's roster). It errs
 * on the side of flagging; the publisher fixes the spot or confirms with a reason.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { LIBRARY_LIMITS, type StudentInfoFinding } from '../../shared/library';

type Kind = StudentInfoFinding['kind'];

const EMAIL = /[\p{L}\p{N}._%+-]+@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}/gu;
// A phone number: an optional +country code, then groups of digits split by spaces, dots, dashes or
// parentheses, 9 to 15 digits in all (checked below) and at least one separator.
const PHONE = /(?<![\p{L}\p{N}])(?:\+\d{1,3}[\s.-]?)?(?:\(\d{2,4}\)[\s.-]?)?\d{2,4}(?:[\s.-]\d{2,4}){1,4}(?![\p{L}\p{N}])/gu;
// An ID-like number: six or more digits in a row, optionally after a letter or two (S1234567).
const ID_NUMBER = /(?<![\p{L}\p{N}])\p{L}{0,2}\d{6,}(?![\p{L}\p{N}])/gu;
const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';
const DATE = `(?:\\d{1,2}[/.-]\\d{1,2}[/.-]\\d{2,4}|\\d{4}-\\d{1,2}-\\d{1,2}|(?:${MONTHS})\\.? \\d{1,2}(?:st|nd|rd|th)?,? \\d{4}|\\d{1,2}(?:st|nd|rd|th)? (?:${MONTHS})\\.?,? \\d{4})`;
// A date is a date of birth when a cue (DOB, born, birth...) comes shortly before it.
const DOB = new RegExp(`\\b(?:d\\.?o\\.?b\\.?|born(?: on)?|birth ?date|date of birth|birthday)\\b[^\\n\\d]{0,20}(${DATE})`, 'giu');

const SNIPPET_SIDE = 30;

/** Lowercases, strips accents and collapses spaces, so "  José  PÉREZ" and "jose perez" compare equal. */
export function normaliseName(name: string): string {
  return name.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase().replace(/[^\p{L}\p{N}' -]/gu, ' ').replace(/\s+/g, ' ').trim();
}

/** The HMAC of a normalised name under a space's salt: what the store keeps instead of the name. */
export function hashName(salt: string, normalised: string): string {
  return createHmac('sha256', salt).update(normalised).digest('base64url');
}

/** A fresh per-space salt. */
export const newSalt = () => randomBytes(32).toString('base64url');

/** A matcher over a stored roster: true when the normalised words are a watched name. */
export function rosterMatcher(salt: string, hashes: readonly string[]): (normalised: string) => boolean {
  const set = new Set(hashes);
  return (n) => set.has(hashName(salt, n));
}

function snippet(text: string, at: number, length: number): string {
  const from = Math.max(0, at - SNIPPET_SIDE);
  const to = Math.min(text.length, at + length + SNIPPET_SIDE);
  return `${from > 0 ? '…' : ''}${text.slice(from, to).replace(/\s+/g, ' ')}${to < text.length ? '…' : ''}`;
}

interface Hit {
  kind: Kind;
  position: number;
  length: number;
}

function patternHits(text: string): Hit[] {
  const hits: Hit[] = [];
  for (const m of text.matchAll(EMAIL)) hits.push({ kind: 'email', position: m.index, length: m[0].length });
  for (const m of text.matchAll(DOB)) {
    const date = m[1] ?? '';
    hits.push({ kind: 'date-of-birth', position: m.index + m[0].length - date.length, length: date.length });
  }
  for (const m of text.matchAll(PHONE)) {
    const digits = m[0].replace(/\D/g, '').length;
    if (digits >= 9 && digits <= 15) hits.push({ kind: 'phone', position: m.index, length: m[0].length });
  }
  for (const m of text.matchAll(ID_NUMBER)) hits.push({ kind: 'id-number', position: m.index, length: m[0].length });
  return hits;
}

/** Windows of one to three consecutive words whose normalised form is on the roster. */
function nameHits(text: string, watched: (normalised: string) => boolean): Hit[] {
  const words = [...text.matchAll(/[\p{L}][\p{L}\p{M}'-]*/gu)];
  const hits: Hit[] = [];
  for (let i = 0; i < words.length; i++) {
    for (let n = 3; n >= 1; n--) {
      const last = words[i + n - 1];
      if (!last) continue;
      const first = words[i]!;
      const span = text.slice(first.index, last.index + last[0].length);
      // Words of one name sit on one line, separated by spaces only.
      if (n > 1 && /[^\p{L}\p{M}' -]/u.test(span)) continue;
      if (watched(normaliseName(span))) {
        hits.push({ kind: 'watched-name', position: first.index, length: span.length });
        i += n - 1;
        break;
      }
    }
  }
  return hits;
}

/**
 * Flags what looks like student information in `text`, in text order. `watched` says whether a
 * normalised run of words is on the space's Names to watch (omit it when the space has none).
 * Overlapping spots are reported once (an email's digits are not also a phone number).
 */
export function checkStudentInfo(text: string, watched?: (normalised: string) => boolean): StudentInfoFinding[] {
  const hits = [...patternHits(text), ...(watched ? nameHits(text, watched) : [])];
  const order: Kind[] = ['email', 'date-of-birth', 'phone', 'id-number', 'watched-name'];
  hits.sort((a, b) => order.indexOf(a.kind) - order.indexOf(b.kind) || a.position - b.position);
  const kept: Hit[] = [];
  for (const h of hits) {
    if (kept.some((k) => h.position < k.position + k.length && k.position < h.position + h.length)) continue;
    kept.push(h);
  }
  kept.sort((a, b) => a.position - b.position);
  return kept.slice(0, LIBRARY_LIMITS.findingsMax).map((h) => ({ ...h, snippet: snippet(text, h.position, h.length) }));
}
