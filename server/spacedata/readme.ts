/** README.txt of a space export: what the archive is and what each file holds (the parts describe theirs). */
import type { SpaceRecord } from '../repos';

/** The README text for `space`, exported at `at`, with the parts' lines. */
export function readmeText(space: Pick<SpaceRecord, '_id' | 'name' | 'kind'>, at: Date, lines: string[]): string {
  return [
    `Export of the space "${space.name}" (${space.kind}), id ${space._id}`,
    `Made ${at.toISOString()} by Collaboratory.`,
    '',
    'Text files are UTF-8. CSV files follow RFC 4180 (a header row, CRLF line ends); a cell that',
    'begins with = + - or @ is prefixed with an apostrophe so spreadsheets do not run it as a formula.',
    'Times are ISO 8601 in UTC.',
    '',
    'Files',
    '-----',
    'README.txt  this description.',
    ...lines,
    '',
  ].join('\r\n');
}
