import { randomBytes } from 'node:crypto';
import { SessionOptionsError } from '../../../../lib/core/errors.js';
import { resolveEncryptionKeys } from '../../../../lib/core/store/at-rest/encryption-keys.js';
import { resolveSessionOptions } from '../../../../lib/core/options/resolve-options.js';
import { TEST_SECRET } from '../../../support/test-secret.js';

const KEY = randomBytes(32);

/** The error `resolveEncryptionKeys` throws for `option`. */
function errorFor(option: unknown): SessionOptionsError {
  try {
    resolveEncryptionKeys(option);
  } catch (error) {
    return error as SessionOptionsError;
  }
  throw new Error('no error thrown');
}

describe('the encryption option', () => {
  it('accepts 32-byte keys as a Buffer, base64 or base64url; the first seals', () => {
    const ring = resolveEncryptionKeys({ keys: [{ id: 'new', key: KEY.toString('base64') }, { id: 'old', key: randomBytes(32) }, { id: 'url', key: KEY.toString('base64url') }] })!;
    expect(ring.sealingKeyId).toBe('new');
    expect([...ring.keysById.keys()]).toEqual(['new', 'old', 'url']);
    expect(ring.keysById.get('new')).toEqual(KEY);
    expect(ring.keysById.get('url')).toEqual(KEY);
  });

  it('remembers 8 MiB of opened data unless told another size; 0 remembers none', () => {
    expect(resolveEncryptionKeys({ keys: [{ id: 'a', key: KEY }] })!.openedCacheSize).toBe(8 * 1024 * 1024);
    expect(resolveEncryptionKeys({ keys: [{ id: 'a', key: KEY }], openedCacheSize: 0 })!.openedCacheSize).toBe(0);
  });

  it('is off when not given', () => {
    expect(resolveEncryptionKeys(undefined)).toBeUndefined();
    expect(resolveSessionOptions({ secret: TEST_SECRET }).encryption).toBeUndefined();
  });

  it.each([
    ['no keys', { keys: [] }, 'encryption.keys'],
    ['keys missing', {}, 'encryption.keys'],
    ['not an object', 'key', 'encryption'],
    ['a key of 16 bytes', { keys: [{ id: 'a', key: randomBytes(16) }] }, 'encryption.keys[0].key'],
    ['a second key of 31 bytes in base64', { keys: [{ id: 'a', key: KEY }, { id: 'b', key: randomBytes(31).toString('base64') }] }, 'encryption.keys[1].key'],
    ['a key that is not base64', { keys: [{ id: 'a', key: 'not base64 at all!' }] }, 'encryption.keys[0].key'],
    ['a numeric key', { keys: [{ id: 'a', key: 42 }] }, 'encryption.keys[0].key'],
    ['a numeric id', { keys: [{ id: 1, key: KEY }] }, 'encryption.keys[0].id'],
    ['an id with a dot', { keys: [{ id: 'a.b', key: KEY }] }, 'encryption.keys[0].id'],
    ['duplicate ids', { keys: [{ id: 'a', key: KEY }, { id: 'a', key: randomBytes(32) }] }, 'encryption.keys[1].id'],
    ['an entry that is not an object', { keys: [null] }, 'encryption.keys[0]'],
    ['a negative openedCacheSize', { keys: [{ id: 'a', key: KEY }], openedCacheSize: -1 }, 'encryption.openedCacheSize'],
    ['a fractional openedCacheSize', { keys: [{ id: 'a', key: KEY }], openedCacheSize: 1.5 }, 'encryption.openedCacheSize'],
    ['an openedCacheSize in text', { keys: [{ id: 'a', key: KEY }], openedCacheSize: '8MB' }, 'encryption.openedCacheSize'],
    ['an option it does not have (a misspelling)', { keys: [{ id: 'a', key: KEY }], openedCachSize: 0 }, 'encryption.openedCachSize'],
  ])('refuses %s with a SessionOptionsError naming %s', (_case, option, optionName) => {
    const error = errorFor(option);
    expect(error).toBeInstanceOf(SessionOptionsError);
    expect(error.option).toBe(optionName);
  });

  it('never puts a key in its messages', () => {
    const shortKey = randomBytes(31);
    for (const key of [shortKey, shortKey.toString('base64'), shortKey.toString('base64url'), `${KEY.toString('hex')}`]) {
      const error = errorFor({ keys: [{ id: 'a', key }] });
      expect(error.message).not.toContain(Buffer.isBuffer(key) ? key.toString('base64') : key);
      expect(error.message).not.toContain(shortKey.toString('hex'));
    }
  });

  it('is checked by the session options, with the same error', () => {
    expect(() => resolveSessionOptions({ secret: TEST_SECRET, encryption: { keys: [] } })).toThrow(SessionOptionsError);
    expect(resolveSessionOptions({ secret: TEST_SECRET, encryption: { keys: [{ id: 'a', key: KEY }] } }).encryption?.sealingKeyId).toBe('a');
  });
});
