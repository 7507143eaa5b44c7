/** Pure parts of the collab endpoint: the /yjs path parser and the per-connection message limiter. */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { docIdOf } from '../../server/collab/upgrade';
import { collabLimiter } from '../../server/docs/collab-hooks';
import { limiterFactory } from '../../server/limits';

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

describe('document socket limiter (rate-limiter-flexible)', () => {
  afterEach(() => vi.useRealTimers());

  it('allows the sustained rate plus the burst allowance, then refuses until time passes', async () => {
    vi.useFakeTimers({ toFake: ['Date', 'setTimeout', 'clearTimeout'] });
    const limiter = collabLimiter(limiterFactory(), { perSecond: 10, burst: 5 });
    const take = async (n: number) => {
      let ok = 0;
      for (let i = 0; i < n; i++) if (await limiter.consume('conn-1')) ok++;
      return ok;
    };
    expect(await take(20)).toBe(15); // 10 this second + 5 from the burst allowance
    expect(await limiter.consume('conn-2')).toBe(true); // keys are apart
    vi.advanceTimersByTime(1_100);
    expect(await take(20)).toBe(15);
  });
});
