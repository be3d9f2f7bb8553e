import { createCipheriv, createDecipheriv, timingSafeEqual } from 'node:crypto';
import { serializeRecordData, withDataJsonOf } from '../../session/session-record.js';
import { recordJsonWithMembers } from '../../session/record-json.js';
import type { SessionRecord } from '../../session/session-record.js';
import type { EncryptionKeyRing } from './encryption-keys.js';
import { COUNTER_BLOCK_BYTES } from './keystream.js';
import { recordKeysOf } from './record-keys.js';

/**
 * The stored form of a session with the `encryption` option:
 *
 *   { "cookie": { …readable… }, "__sealed": "v2.<key id>.<counter block ‖ tag ‖ ciphertext>" }
 *
 * The sealed part is the session data (every key but `cookie`) as JSON, base64url after the key
 * id. Version 2 is AES-256-CTR, then Poly1305-AES over it (encrypt-then-MAC), with three keys
 * derived from the key named by `<key id>` (record-keys.ts): the JSON is encrypted from the
 * 16-byte counter block C; the 16-byte tag is Poly1305 with the key's `r` and `s` = AES(mask
 * key, C), over RFC 8439's AEAD layout (§2.8) of the associated data
 * `nest-sessions:v2:<key id>:<storage key>` (UTF-8) and the ciphertext: a record copied under
 * another session's key does not open. Version 1 (AES-256-GCM, `v1.<key id>.<iv>.<ciphertext ‖
 * tag>`, associated data `nest-sessions:v1:<key id>:<storage key>`) still opens, and is sealed
 * again as version 2 by its next save. The cookie stays in clear so stores keep computing TTLs
 * from `cookie.expires`.
 */
export const SEALED_KEY = '__sealed';
const VERSION = 'v2';
const VERSION_PREFIX = `${VERSION}.`;
const TAG_BYTES = 16;
/** The counter block and the tag, before the ciphertext. */
const HEADER_BYTES = COUNTER_BLOCK_BYTES + TAG_BYTES;
const ZERO_BLOCK = Buffer.alloc(COUNTER_BLOCK_BYTES);
const V1_IV_BYTES = 12;
const V1_TAG_BYTES = 16;

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

/** The data of a record that opened, and whether its next write must seal it again (another key than the first, or version 1). */
export interface OpenedData {
  readonly data: Record<string, unknown>;
  /** The JSON the data was parsed from (what was sealed). */
  readonly text: string;
  readonly keyId: string;
  /** Sealed with another key than the first, or in version 1: sealed again by the session's next save or touch. */
  readonly needsResealing: boolean;
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
  // `__sealed` (SEALED_KEY) as a literal key: one known object shape.
  return withDataJsonOf({ cookie: record.cookie, __sealed: sealed }, record, sealedDataJson(sealed));
}

/** The data part of a sealed record as JSON: `{"__sealed":…}` (a sealed value is base64url and dots, JSON as it is). */
function sealedDataJson(sealed: string): string {
  return `{"${SEALED_KEY}":"${sealed}"}`;
}

/** A sealed record's JSON from its cookie's JSON and its `__sealed` value. */
export function sealedRecordJson(cookieJson: string, sealed: string): string {
  return recordJsonWithMembers(cookieJson, `"${SEALED_KEY}":"${sealed}"`);
}

/** `text` sealed under the ring's first key, bound to `storageKey`: the `__sealed` value. */
export function sealText(ring: EncryptionKeyRing, storageKey: string, text: string): string {
  const keyId = ring.sealingKeyId;
  const keys = recordKeysOf(ring.keysById.get(keyId)!);
  // Counter block ‖ tag ‖ ciphertext: what is stored.
  const sealed = assemblyFor(text.length);
  const textBytes = sealed.write(text, HEADER_BYTES, 'utf8');
  const ciphertextEnd = HEADER_BYTES + textBytes;
  const { counterBlock, bytes: keystream, tagMasks, offset } = keys.keystream().take(textBytes);
  counterBlock.copy(sealed, 0);
  for (let index = 0; index < textBytes; index++) sealed[HEADER_BYTES + index]! ^= keystream[offset + index]!;
  const associatedBytes = keys.associatedData.begin(keyId, storageKey, tagMasks, offset);
  keys.poly1305.update(sealed, HEADER_BYTES, ciphertextEnd).tagInto(sealed, COUNTER_BLOCK_BYTES, associatedBytes, textBytes);
  return `${VERSION}.${keyId}.${sealed.toString('base64url', 0, ciphertextEnd)}`;
}

/**
 * Seals are assembled here, one at a time (sealing never yields): no buffer per seal, no count
 * of bytes before writing them. Made on the first seal, so an app without `encryption` holds none.
 */
let assembly = Buffer.alloc(0);
/** The first assembly buffer's size: room for most sessions, so it seldom grows. */
const FIRST_ASSEMBLY_BYTES = 16 * 1024;
/** A record needing more is assembled in a buffer of its own, so one large session does not keep a large buffer alive. */
const MAX_KEPT_ASSEMBLY_BYTES = 64 * 1024;

/** A buffer with room for the header and `characters` UTF-16 units as UTF-8 (at most 3 bytes each). */
function assemblyFor(characters: number): Buffer {
  const room = HEADER_BYTES + 3 * characters;
  if (room <= assembly.length) return assembly;
  const grown = Buffer.allocUnsafe(Math.max(room, FIRST_ASSEMBLY_BYTES));
  if (grown.length <= MAX_KEPT_ASSEMBLY_BYTES) assembly = grown;
  return grown;
}

/** The data of a stored record, or why it does not open. Never throws. */
export function openRecord(ring: EncryptionKeyRing, storageKey: string, stored: SessionRecord): OpenedData | UnopenedData {
  const sealed = stored[SEALED_KEY];
  if (typeof sealed !== 'string') return { reason: 'not-sealed' };
  const parts = sealed.split('.');
  const version = parts[0];
  if (!((version === VERSION && parts.length === 3) || (version === 'v1' && parts.length === 4))) return { reason: 'unknown-version' };
  const keyId = parts[1]!;
  const key = ring.keysById.get(keyId);
  if (key === undefined) return { reason: 'unknown-key', keyId };
  const text = version === VERSION ? openedText(key, keyId, storageKey, parts[2]!) : openedTextV1(key, keyId, storageKey, parts);
  let data: unknown;
  try {
    data = text === undefined ? undefined : JSON.parse(text);
  } catch {
    data = undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return { reason: 'not-authentic', keyId };
  return { data: data as Record<string, unknown>, text: text!, keyId, needsResealing: needsResealing(ring, keyId, sealed) };
}

/** Whether a value that opened is due to be sealed again: by an older key, or in version 1. */
export function needsResealing(ring: EncryptionKeyRing, keyId: string, sealed: string): boolean {
  return keyId !== ring.sealingKeyId || !sealed.startsWith(VERSION_PREFIX);
}

/** Whether `open` gave the data. */
export function isOpened(result: OpenedData | UnopenedData): result is OpenedData {
  return 'data' in result;
}

/** The JSON of `v2.<key id>.<sealed>`, or undefined when its tag does not authenticate it. */
function openedText(key: Buffer, keyId: string, storageKey: string, sealedText: string): string | undefined {
  const sealed = Buffer.from(sealedText, 'base64url');
  if (sealed.length < HEADER_BYTES) return undefined;
  const keys = recordKeysOf(key);
  const counterBlock = sealed.subarray(0, COUNTER_BLOCK_BYTES);
  const ciphertext = sealed.subarray(HEADER_BYTES);
  const tagMask = createCipheriv('aes-256-ctr', keys.tagMaskKey, counterBlock).update(ZERO_BLOCK);
  const expectedTag = Buffer.alloc(TAG_BYTES);
  const associatedBytes = keys.associatedData.begin(keyId, storageKey, tagMask, 0);
  keys.poly1305.update(ciphertext).tagInto(expectedTag, 0, associatedBytes, ciphertext.length);
  // Nothing is decrypted before the tag authenticates.
  if (!timingSafeEqual(expectedTag, sealed.subarray(COUNTER_BLOCK_BYTES, HEADER_BYTES))) return undefined;
  return createDecipheriv('aes-256-ctr', keys.encryptionKey, counterBlock).update(ciphertext).toString('utf8');
}

/** The JSON of `v1.<key id>.<iv>.<ciphertext+tag>` (AES-256-GCM), or undefined when it does not authenticate. */
function openedTextV1(key: Buffer, keyId: string, storageKey: string, parts: string[]): string | undefined {
  const iv = Buffer.from(parts[2]!, 'base64url');
  const sealedBytes = Buffer.from(parts[3]!, 'base64url');
  if (iv.length !== V1_IV_BYTES || sealedBytes.length < V1_TAG_BYTES) return undefined;
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, iv, { authTagLength: V1_TAG_BYTES });
    decipher.setAAD(Buffer.from(`nest-sessions:v1:${keyId}:${storageKey}`, 'utf8'));
    decipher.setAuthTag(sealedBytes.subarray(sealedBytes.length - V1_TAG_BYTES));
    const plaintext = decipher.update(sealedBytes.subarray(0, sealedBytes.length - V1_TAG_BYTES));
    // Throws unless the tag authenticates: nothing is read before. GCM's `final` adds no bytes.
    decipher.final();
    return plaintext.toString('utf8');
  } catch {
    return undefined;
  }
}
