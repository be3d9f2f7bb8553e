import { SessionOptionsError } from '../../errors.js';
import { checkedOption, describeValue, nonNegativeInteger } from '../../option-checks.js';

/** One key of the `encryption` option: an id written beside each record it seals, and 32 bytes. */
export interface EncryptionKey {
  /** Names the key in stored records (`v1.<id>.…`): letters, digits, `_` and `-`, up to 64. */
  id: string;
  /** 32 bytes: a Buffer, or their base64 (or base64url) text, e.g. `openssl rand -base64 32`. */
  key: Buffer | string;
}

/**
 * The `encryption` option: session data sealed at rest (AES-256-CTR and Poly1305-AES, under keys
 * derived from each of these: record-keys.ts). The first key seals, every key opens, so a key
 * is rotated by putting a new one first and keeping the old one after it until the sessions it
 * sealed have been saved again or have expired.
 */
export interface EncryptionOptions {
  keys: EncryptionKey[];
  /**
   * Characters of session JSON (with its sealed value, or with the MemoryStore its entry) this
   * process keeps, by session, to skip decrypting a value it sealed or opened itself when a
   * load finds it unchanged. Default
   * 8,388,608 (8 MiB of one-byte text); 0 keeps none, so every load decrypts.
   */
  openedCacheSize?: number;
}

/** The keys checked: the one that seals, and every one by id. Never printed: no key in a message. */
export interface EncryptionKeyRing {
  readonly sealingKeyId: string;
  /** Key id → its 32 bytes. */
  readonly keysById: ReadonlyMap<string, Buffer>;
  /** `openedCacheSize`, checked. */
  readonly openedCacheSize: number;
}

/** `openedCacheSize` when not given: 8 MiB of one-byte text. */
export const DEFAULT_OPENED_CACHE_SIZE = 8 * 1024 * 1024;
const ENCRYPTION_OPTION_KEYS = new Set(['keys', 'openedCacheSize']);

/** 32-byte keys: 256 bits, as AES-256 takes (and as HKDF derives the record keys from). */
export const ENCRYPTION_KEY_BYTES = 32;
const KEY_ID = /^[A-Za-z0-9_-]{1,64}$/;
const BASE64_TEXT = /^[A-Za-z0-9+/_-]+={0,2}$/;

/**
 * Checks the `encryption` option; `undefined` when it is not given. Throws `SessionOptionsError`
 * naming the entry at fault (`encryption.keys[1].key`); a message says what is wrong with a
 * key (its length), never the key.
 */
export function resolveEncryptionKeys(option: unknown): EncryptionKeyRing | undefined {
  if (option === undefined) return undefined;
  if (typeof option !== 'object' || option === null || Array.isArray(option)) {
    throw new SessionOptionsError('encryption', `must be an object such as { keys: [{ id: '1', key: process.env.SESSION_KEY }] }, got ${describeValue(option)}`);
  }
  for (const name of Object.keys(option)) {
    if (!ENCRYPTION_OPTION_KEYS.has(name)) throw new SessionOptionsError(`encryption.${name}`, `is not an option of encryption (it takes ${[...ENCRYPTION_OPTION_KEYS].join(' and ')})`);
  }
  const { keys, openedCacheSize } = option as { keys?: unknown; openedCacheSize?: unknown };
  const checkedCacheSize = checkedOption('encryption.openedCacheSize', openedCacheSize, nonNegativeInteger('characters')) ?? DEFAULT_OPENED_CACHE_SIZE;
  if (!Array.isArray(keys) || keys.length === 0) {
    throw new SessionOptionsError('encryption.keys', 'must be a non-empty array of { id, key } (the first key seals, every key opens)');
  }
  const keysById = new Map<string, Buffer>();
  keys.forEach((entry: unknown, index) => {
    const where = `encryption.keys[${index}]`;
    if (typeof entry !== 'object' || entry === null) throw new SessionOptionsError(where, 'must be an object { id, key }');
    const { id, key } = entry as { id?: unknown; key?: unknown };
    if (typeof id !== 'string' || !KEY_ID.test(id)) {
      throw new SessionOptionsError(`${where}.id`, `must be a string of 1 to 64 letters, digits, _ or -, got ${describeValue(id)}`);
    }
    if (keysById.has(id)) throw new SessionOptionsError(`${where}.id`, `duplicates the id of an earlier key (${JSON.stringify(id)}): each key needs its own id`);
    keysById.set(id, keyBytes(key, `${where}.key`));
  });
  return { sealingKeyId: (keys[0] as EncryptionKey).id, keysById, openedCacheSize: checkedCacheSize };
}

/** A key as 32 bytes; the message names its length or its type, never its value. */
function keyBytes(key: unknown, where: string): Buffer {
  let bytes: Buffer;
  if (Buffer.isBuffer(key)) {
    bytes = Buffer.from(key);
  } else if (typeof key === 'string') {
    const text = key.trim();
    if (!BASE64_TEXT.test(text)) throw new SessionOptionsError(where, `must be ${ENCRYPTION_KEY_BYTES} bytes as a Buffer or as base64 text; the string given is not base64`);
    bytes = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
  } else {
    throw new SessionOptionsError(where, `must be ${ENCRYPTION_KEY_BYTES} bytes as a Buffer or as base64 text, got ${key === null ? 'null' : `a ${typeof key}`}`);
  }
  if (bytes.length !== ENCRYPTION_KEY_BYTES) {
    throw new SessionOptionsError(where, `must be ${ENCRYPTION_KEY_BYTES} bytes (AES-256), got ${bytes.length} bytes; make one with \`openssl rand -base64 32\``);
  }
  return bytes;
}
