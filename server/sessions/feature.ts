/**
 * Live PLC sessions as a feature: protocol-based sessions with one server-side timer per session, roles,
 * norms, a speaking queue, fist-to-five votes, decisions, action items and a summary (issue 5).
 * It reaches sockets through the realtime port and meeting-notes documents through the docs port.
 */
import type { Feature } from '../feature';
import { createSessionCommands } from './commands';
import { createSessionsCore } from './core';
import { SESSION_EVENTS_PER_10S, sessionEvents } from './events';
import { createLiveCommands } from './live';
import { SESSION_INDEXES } from './records';
import { sessionRoutes } from './routes';
import { sessionsSpaceData } from './space-data';

export const sessionsFeature: Feature = {
  name: 'sessions',
  indexes: SESSION_INDEXES,
  create(ctx, ports) {
    const core = createSessionsCore(ctx, ports);
    const commands = createSessionCommands(core);
    const live = createLiveCommands(core);
    ports.spaceData?.register(sessionsSpaceData(core, commands));
    const limit = ctx.limiter({ name: 'session-events', points: SESSION_EVENTS_PER_10S, duration: 10, message: 'Too many session actions at once.' });
    return {
      routes: () => sessionRoutes(core, commands),
      events: sessionEvents(core, live, limit),
      close: () => core.queue.drain(),
    };
  },
};
