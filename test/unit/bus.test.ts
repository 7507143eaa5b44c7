/** The in-process bus: `emitAndWait` for use-cases that need the other features' part done (space:created). */
import { describe, expect, it } from 'vitest';
import { createBus } from '../../server/bus';

const created = { spaceId: 's1', userId: 'u1', at: new Date(0) };

describe('bus', () => {
  it('emitAndWait resolves once every listener, async ones included, has finished', async () => {
    const bus = createBus(() => {});
    const done: string[] = [];
    bus.on('space:created', async () => {
      await new Promise((r) => setTimeout(r, 20));
      done.push('slow');
    });
    bus.on('space:created', () => void done.push('sync'));
    await bus.emitAndWait('space:created', created);
    expect(done.sort()).toEqual(['slow', 'sync']);
  });

  it('emitAndWait lets every listener run, reports each failure, and rethrows the first', async () => {
    const reported: unknown[] = [];
    const bus = createBus((err) => reported.push(err));
    let ran = false;
    bus.on('space:created', async () => {
      throw new Error('no general channel');
    });
    bus.on('space:created', () => void (ran = true));
    await expect(bus.emitAndWait('space:created', created)).rejects.toThrow('no general channel');
    expect(ran).toBe(true);
    expect(reported).toHaveLength(1);
  });

  it('emit isolates listeners: a throwing or rejecting one is reported, the others still run', async () => {
    const reported: unknown[] = [];
    const bus = createBus((err) => reported.push(err));
    let ran = false;
    bus.on('space:created', () => {
      throw new Error('sync');
    });
    bus.on('space:created', async () => {
      throw new Error('async');
    });
    bus.on('space:created', () => void (ran = true));
    bus.emit('space:created', created);
    await new Promise((r) => setTimeout(r, 0));
    expect(ran).toBe(true);
    expect(reported.map((e) => (e as Error).message).sort()).toEqual(['async', 'sync']);
  });
});
