/** Pure pieces of the discussion: search words, mention matching, message list merging (limits: limits.test.ts). */
import { describe, expect, it } from 'vitest';
import { searchWords, slugifyChannelName } from '../../shared/chat';
import { mentionsName } from '../../server/chat/mentions';
import { merge, upsert } from '../../client/src/chat/messages';
import { mentionQuery, suggest } from '../../client/src/chat/mention-query';
import type { ChatMessage } from '../../shared/chat';

describe('searchWords', () => {
  it('lowercases, dedupes, keeps letters and digits of any script, drops 1-letter tokens', () => {
    expect(searchWords('Fractions, FRACTIONS! a 7th-grade élève: año 2027')).toEqual(['fractions', '7th-grade', 'élève', 'año', '2027']);
  });
  it('is bounded', () => {
    expect(searchWords(Array.from({ length: 500 }, (_, i) => `w${i}`).join(' '))).toHaveLength(200);
  });
});

describe('mentionsName', () => {
  it.each([
    ['hi @Ada Lovelace!', 'Ada Lovelace', true],
    ['hi @ada lovelace', 'Ada Lovelace', true],
    ['@Ann', 'Ann', true],
    ['hi @Anna', 'Ann', false],
    ['mail ann@school.test', 'school', false],
    ['(@Ann)', 'Ann', true],
    ['@Dr. O (Smith)', 'Dr. O (Smith)', true],
  ])('%j mentions %j: %s', (text, name, yes) => {
    expect(mentionsName(text, name)).toBe(yes);
  });
});

describe('slugifyChannelName', () => {
  it('makes a channel slug', () => {
    expect(slugifyChannelName('  Grade 7 Math!! ')).toBe('grade-7-math');
    expect(slugifyChannelName('Budget 2027 — Équipe')).toBe('budget-2027-equipe');
  });
});

describe('message list merging (client)', () => {
  const m = (id: string, seq = id.charCodeAt(0)): ChatMessage => ({
    id, seq, channelId: 'c', spaceId: 's', author: { id: 'u', name: 'U' }, text: id, parentId: null, clientMsgId: `c-${id}`,
    createdAt: new Date().toISOString(), editedAt: null, deleted: false, replyCount: 0, lastReplyAt: null, reactions: [], mentions: [],
  });
  it('upsert keeps id order and never duplicates', () => {
    let list = [m('a'), m('c')];
    list = upsert(list, m('b'));
    list = upsert(list, m('b'));
    list = upsert(list, m('d'));
    expect(list.map((x) => x.id)).toEqual(['a', 'b', 'c', 'd']);
  });
  it('merge dedupes a catch-up page that overlaps what is on screen', () => {
    expect(merge([m('a'), m('b')], [m('b'), m('c')]).map((x) => x.id)).toEqual(['a', 'b', 'c']);
  });
  it('orders by the server’s sequence number, not by id (ids from two processes need not sort in order)', () => {
    expect(upsert([m('z', 1)], m('a', 2)).map((x) => x.id)).toEqual(['z', 'a']);
    expect(upsert([m('z', 1), m('b', 3)], m('a', 2)).map((x) => x.id)).toEqual(['z', 'a', 'b']);
    expect(merge([m('z', 1)], [m('y', 3), m('a', 2)]).map((x) => x.id)).toEqual(['z', 'a', 'y']);
  });
});

describe('mention picker', () => {
  it('finds the @query before the caret, not inside an email address', () => {
    expect(mentionQuery('hi @Be', 6)).toEqual({ start: 3, query: 'Be' });
    expect(mentionQuery('@', 1)).toEqual({ start: 0, query: '' });
    expect(mentionQuery('mail ann@school', 15)).toBeNull();
    expect(mentionQuery('hi @Be and more', 6)).toEqual({ start: 3, query: 'Be' });
  });
  it('suggests members by name or word prefix, never me', () => {
    const ms = [{ id: '1', name: 'Ben Okafor' }, { id: '2', name: 'Alma Reyes' }, { id: '3', name: 'Bea Okoye' }];
    expect(suggest(ms, 'ok', '9').map((m) => m.id)).toEqual(['1', '3']);
    expect(suggest(ms, 'b', '1').map((m) => m.id)).toEqual(['3']);
  });
});
