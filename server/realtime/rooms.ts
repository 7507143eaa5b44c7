/**
 * The rooms the realtime layer owns. Features name their own rooms (e.g. `live:<sessionId>`) and must not
 * start them with these prefixes.
 */

/** Every socket of one login, so a logout or an expiry closes them. */
export const loginRoom = (loginId: string) => `login:${loginId}`;
/** Every socket of one user (their own notifications, read markers, the session list). */
export const userRoom = (userId: string) => `user:${userId}`;
/** Every socket that joined a space (passed its membership check) and so receives its broadcasts. */
export const spaceRoom = (spaceId: string) => `space:${spaceId}`;
