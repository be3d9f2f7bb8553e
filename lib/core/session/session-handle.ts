import { createHash, createHmac } from 'node:crypto';
import type { SessionSecret } from '../cookie/cookie-signing.js';
import { storageKeyOf } from './session-storage-key.js';
import type { HashIdsMode } from './session-storage-key.js';

/** Key of the handles when no secret is configured (`secretFromRequest`). */
const UNKEYED_HANDLE_KEY = 'nest-sessions:session-handle';
/** 128 bits of the HMAC, base64url: unique enough, short enough for a URL. */
const HANDLE_LENGTH = 22;

const handleKeys = new WeakMap<readonly SessionSecret[], Buffer>();

/**
 * A stable, public name for a session: a keyed hash (HMAC-SHA256) of its id. A raw session
 * id is a bearer credential and must never appear in a listing, a log or an event; the
 * handle names the same session without revealing the id. The key is derived from the first
 * signing secret, so every process of an app agrees on handles (they change with it).
 */
export function sessionHandle(sessionId: string, secrets: readonly SessionSecret[] | undefined): string {
  return createHmac('sha256', handleKeyOf(secrets)).update(sessionId).digest('base64url').slice(0, HANDLE_LENGTH);
}

/**
 * The handle of the session `sessionId` as listings and events name it: the handle of the key
 * the store keeps it under (with `hashIds`, the hash of the id), so that `UserSessions`, which
 * finds sessions by storage key, names them as the events of their requests do.
 */
export function handleOfSessionId(sessionId: string, secrets: readonly SessionSecret[] | undefined, hashIds: HashIdsMode = false): string {
  return sessionHandle(storageKeyOf(sessionId, hashIds), secrets);
}

function handleKeyOf(secrets: readonly SessionSecret[] | undefined): Buffer | string {
  if (!secrets || secrets.length === 0) return UNKEYED_HANDLE_KEY;
  let key = handleKeys.get(secrets);
  if (!key) {
    // Derived, not the secret itself: a handle must not become an oracle for cookie signatures.
    key = createHash('sha256').update(UNKEYED_HANDLE_KEY).update(secrets[0]!).digest();
    handleKeys.set(secrets, key);
  }
  return key;
}
