/** Pure parts of the collab endpoint: the /yjs path parser and the per-connection rate bucket. */
import { describe, expect, it } from 'vitest';
import type { WebSocket } from 'ws';
import { Conn } from '../../server/collab/connection';
import { docIdOf } from '../../server/collab/upgrade';

describe('docIdOf', () => {
  it('takes the doc id after /yjs/ and ignores the query except saved=1', () => {
    expect(docIdOf('/yjs/abc_DEF-123')).toEqual({ docId: 'abc_DEF-123', wantsSaved: false });
    expect(docIdOf('/yjs/abc?saved=1')).toEqual({ docId: 'abc', wantsSaved: true });
    expect(docIdOf('/yjs/abc?foo=bar&saved=0')).toEqual({ docId: 'abc', wantsSaved: false });
  });

  it('leaves other paths alone (Socket.IO, the app)', () => {
    expect(docIdOf('/socket.io/?EIO=4&transport=websocket')).toBeUndefined();
    expect(docIdOf('/yjsx/abc')).toBeUndefined();
    expect(docIdOf(undefined)).toBeUndefined();
  });

  it('marks malformed ids as null (answered 404)', () => {
    expect(docIdOf('/yjs')?.docId).toBeNull();
    expect(docIdOf('/yjs/')?.docId).toBeNull();
    expect(docIdOf('/yjs/a/b')?.docId).toBeNull();
    expect(docIdOf('/yjs/%E0%A4%A')?.docId).toBeNull();
    expect(docIdOf(`/yjs/${'a'.repeat(65)}`)?.docId).toBeNull();
  });
});

describe('rate bucket', () => {
  it('allows the burst, then the sustained rate as time passes', () => {
    let now = 0;
    const ws = { readyState: 1, OPEN: 1 } as unknown as WebSocket;
    const c = new Conn('x', ws, { userId: 'u', sessionId: 's', spaceId: 'sp', docId: 'd', canEdit: true, wantsSaved: false }, { perSecond: 10, burst: 5 }, 1 << 20, () => now);
    for (let i = 0; i < 5; i++) expect(c.take()).toBe(true);
    expect(c.take()).toBe(false);
    now += 100; // one token at 10/s
    expect(c.take()).toBe(true);
    expect(c.take()).toBe(false);
    now += 10_000; // refills to the burst, not beyond
    for (let i = 0; i < 5; i++) expect(c.take()).toBe(true);
    expect(c.take()).toBe(false);
  });
});
