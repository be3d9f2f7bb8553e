import { randomBytes } from 'node:crypto';

/** Bytes of randomness in a generated session id: 192 bits, as express-session's uid-safe(24). */
export const SESSION_ID_BYTES = 24;

/** A new unguessable, URL-safe session id (32 characters of base64url). */
export function generateSessionId(): string {
  return randomBytes(SESSION_ID_BYTES).toString('base64url');
}
