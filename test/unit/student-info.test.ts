/** The student-information check (server/library/student-info.ts) on a fixture with one spot of each kind. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkStudentInfo, hashName, normaliseName, rosterMatcher } from '../../server/library/student-info';
import { summariseChanges } from '../../server/library/diff';

const FIXTURE = readFileSync(join(import.meta.dirname, '../fixtures/student-info.txt'), 'utf8');
const salt = 'per-space-salt';
const watched = rosterMatcher(salt, [hashName(salt, normaliseName('María  LÓPEZ')), hashName(salt, normaliseName('Maya Lopez'))]);

describe('student-information check', () => {
  it('flags each kind once, with its position and the text around it', () => {
    const found = checkStudentInfo(FIXTURE, watched);
    const at = (s: string) => FIXTURE.indexOf(s);
    expect(found.map((f) => [f.kind, f.position, FIXTURE.slice(f.position, f.position + f.length)])).toEqual([
      ['email', at('ana.ruiz@'), 'ana.ruiz@westfield.k12.us'],
      ['phone', at('(555)'), '(555) 214-9087'],
      ['id-number', at('20481234'), '20481234'],
      ['date-of-birth', at('03/14/2012'), '03/14/2012'],
      ['watched-name', at('Maya Lopez'), 'Maya Lopez'],
    ]);
    for (const f of found) expect(f.snippet).toContain(FIXTURE.slice(f.position, f.position + f.length).replace(/\s+/g, ' '));
  });

  it('leaves ordinary teaching text alone: dates without a birth cue, durations, page ranges, money', () => {
    expect(checkStudentInfo('Meeting on 2026-11-30 for 45 minutes; read pages 12-15; budget $1,200; grade 6; year 2025.', watched)).toEqual([]);
  });

  it('matches roster names whatever their case and accents, and only on the roster', () => {
    expect(checkStudentInfo('maria lopez and Maria Gomez', watched).map((f) => f.kind)).toEqual(['watched-name']);
    expect(checkStudentInfo('Maya Lopez', undefined)).toEqual([]);
  });

  it('an email\'s digits are not reported again as a phone or an ID number', () => {
    expect(checkStudentInfo('write to s20481234@school.org').map((f) => f.kind)).toEqual(['email']);
  });
});

describe('what changed between versions', () => {
  it('counts added and removed lines and shows them', () => {
    const c = summariseChanges('# Unit\n\nWarm-up: 5 min\nPractice\n', '# Unit\n\nWarm-up: 10 min\nPractice\nExit ticket\n');
    expect(c).toEqual({ linesAdded: 2, linesRemoved: 1, sample: [{ op: '-', line: 'Warm-up: 5 min' }, { op: '+', line: 'Warm-up: 10 min' }, { op: '+', line: 'Exit ticket' }] });
  });
});
