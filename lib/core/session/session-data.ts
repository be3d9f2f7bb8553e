import type { Session } from './session.js';

/**
 * The data an application keeps in its sessions. Empty here; applications describe their own
 * keys by augmenting it, as express-session's `SessionData` is augmented:
 *
 * ```ts
 * declare module 'nest-sessions' {
 *   interface SessionData { userId: string; cart: string[] }
 * }
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SessionData {}

/** A session as handlers see it: the Session methods plus the application's typed data. */
export type SessionWithData = Session & Partial<SessionData>;
