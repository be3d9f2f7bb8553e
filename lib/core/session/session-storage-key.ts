import * as crypto from 'node:crypto';

/** `crypto.hash` (Node ≥ 20.12): one native call where `createHash` builds a stream object per id. */
const oneShotHash = (crypto as { hash?: (algorithm: string, data: string, encoding: 'base64url') => string }).hash;

/**
 * What the `hashIds` option asks for: `false` (stores receive the session id itself), `true`
 * (stores receive `hashedSessionKey(id)` only), `'migrate'` (as `true`, and a session still
 * stored under its plain id is moved to its hashed key when it is next loaded).
 */
export type HashIdsMode = boolean | 'migrate';

/**
 * The key a store keeps a session under with `hashIds`: SHA-256 of the id (its UTF-8 bytes),
 * base64url without padding: 43 characters of `[A-Za-z0-9_-]`, safe in a Redis key, a SQL
 * column and a file name. Unkeyed on purpose: every process (and every version of the
 * secret) derives the same key, and a 192-bit random id cannot be found from its hash, so a
 * reader of the store holds nothing that can be replayed as a cookie.
 */
export function hashedSessionKey(sessionId: string): string {
  return oneShotHash === undefined ? crypto.createHash('sha256').update(sessionId).digest('base64url') : oneShotHash('sha256', sessionId, 'base64url');
}

/** The key a store keeps the session `sessionId` under, as `hashIds` decides. */
export function storageKeyOf(sessionId: string, hashIds: HashIdsMode): string {
  return hashIds === false ? sessionId : hashedSessionKey(sessionId);
}
