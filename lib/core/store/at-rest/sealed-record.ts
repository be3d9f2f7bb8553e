import { createCipheriv, createDecipheriv } from 'node:crypto';
import { pooledRandomBytes } from '../../random-bytes.js';
import { recordWithCookieOf, serializeRecordData } from '../../session/session-record.js';
import type { SessionRecord } from '../../session/session-record.js';
import type { EncryptionKeyRing } from './encryption-keys.js';

/**
 * The stored form of a session with the `encryption` option, version 1:
 *
 *   { "cookie": { …readable… }, "__sealed": "v1.<key id>.<iv>.<ciphertext+tag>" }
 *
 * The sealed part is the session data (every key but `cookie`) as JSON, encrypted with
 * AES-256-GCM under the key named by `<key id>`, with a random 96-bit IV; `<iv>` and
 * `<ciphertext+tag>` (the 128-bit tag appended) are base64url. The associated data is
 * `nest-sessions:v1:<key id>:<storage key>`: a record copied under another session's key does
 * not open. The cookie stays in clear so stores keep computing TTLs from `cookie.expires`.
 */
export const SEALED_KEY = '__sealed';
const VERSION = 'v1';
const IV_BYTES = 12;
const TAG_BYTES = 16;
const CIPHER = 'aes-256-gcm';

/** Why a stored record does not open: the request then starts a new session. */
export type UnreadableReason =
  /** No `__sealed` text: written without encryption, or not by nest-sessions. */
  | 'not-sealed'
  /** A format version this release does not read. */
  | 'unknown-version'
  /** Sealed with a key id that is not (or no longer) configured. */
  | 'unknown-key'
  /** Authentication failed: tampered with, copied from another session, or a key changed under its id. */
  | 'not-authentic';

/** The data of a record that opened, and whether it was sealed with another key than the first. */
export interface OpenedData {
  readonly data: Record<string, unknown>;
  /** The JSON the data was parsed from (what was sealed). */
  readonly text: string;
  readonly keyId: string;
  readonly isSealedWithOlderKey: boolean;
}

/** Why a record did not open, with the key id it named when it named one. */
export interface UnopenedData {
  readonly reason: UnreadableReason;
  readonly keyId?: string;
}

/**
 * The stored record for `record`: its cookie as it is, its data (`dataJson`, when the caller has
 * it already) sealed with the first key and bound to `storageKey`.
 */
export function sealRecord(ring: EncryptionKeyRing, storageKey: string, record: SessionRecord, dataJson = serializeRecordData(record)): SessionRecord {
  const sealed = sealText(ring, storageKey, dataJson);
  // Base64url and dots: JSON as they are.
  return recordWithCookieOf(record, { [SEALED_KEY]: sealed }, `{"${SEALED_KEY}":"${sealed}"}`);
}

/** `text` sealed under the ring's first key, bound to `storageKey`: the `__sealed` value. */
export function sealText(ring: EncryptionKeyRing, storageKey: string, text: string): string {
  const keyId = ring.sealingKeyId;
  const iv = pooledRandomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, ring.keysById.get(keyId)!, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(associatedData(keyId, storageKey));
  const ciphertext = cipher.update(text, 'utf8');
  // GCM is a stream mode: `final` adds no bytes, it computes the tag.
  cipher.final();
  const sealed = Buffer.concat([ciphertext, cipher.getAuthTag()]);
  return `${VERSION}.${keyId}.${iv.toString('base64url')}.${sealed.toString('base64url')}`;
}

/** The data of a stored record, or why it does not open. Never throws. */
export function openRecord(ring: EncryptionKeyRing, storageKey: string, stored: SessionRecord): OpenedData | UnopenedData {
  const sealed = stored[SEALED_KEY];
  if (typeof sealed !== 'string') return { reason: 'not-sealed' };
  const parts = sealedParts(sealed);
  if (parts === undefined) return { reason: 'unknown-version' };
  const { keyId, ivText, sealedText } = parts;
  const key = ring.keysById.get(keyId);
  if (key === undefined) return { reason: 'unknown-key', keyId };
  const iv = Buffer.from(ivText, 'base64url');
  const sealedBytes = Buffer.from(sealedText, 'base64url');
  if (iv.length !== IV_BYTES || sealedBytes.length < TAG_BYTES) return { reason: 'not-authentic', keyId };
  let text: string;
  let data: unknown;
  try {
    const decipher = createDecipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(associatedData(keyId, storageKey));
    decipher.setAuthTag(sealedBytes.subarray(sealedBytes.length - TAG_BYTES));
    const plaintext = decipher.update(sealedBytes.subarray(0, sealedBytes.length - TAG_BYTES));
    // Throws unless the tag authenticates: nothing is read before. GCM's `final` adds no bytes.
    decipher.final();
    text = plaintext.toString('utf8');
    data = JSON.parse(text);
  } catch {
    return { reason: 'not-authentic', keyId };
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { reason: 'not-authentic', keyId };
  return { data: data as Record<string, unknown>, text, keyId, isSealedWithOlderKey: keyId !== ring.sealingKeyId };
}

/** `v1.<key id>.<iv>.<ciphertext+tag>` in its three parts; undefined for another version or shape. */
function sealedParts(sealed: string): { keyId: string; ivText: string; sealedText: string } | undefined {
  if (!sealed.startsWith(`${VERSION}.`)) return undefined;
  const keyIdEnd = sealed.indexOf('.', VERSION.length + 1);
  const ivEnd = keyIdEnd === -1 ? -1 : sealed.indexOf('.', keyIdEnd + 1);
  if (ivEnd === -1 || sealed.indexOf('.', ivEnd + 1) !== -1) return undefined;
  return { keyId: sealed.slice(VERSION.length + 1, keyIdEnd), ivText: sealed.slice(keyIdEnd + 1, ivEnd), sealedText: sealed.slice(ivEnd + 1) };
}

/** Whether `open` gave the data. */
export function isOpened(result: OpenedData | UnopenedData): result is OpenedData {
  return 'data' in result;
}

function associatedData(keyId: string, storageKey: string): Buffer {
  return Buffer.from(`nest-sessions:${VERSION}:${keyId}:${storageKey}`, 'utf8');
}
