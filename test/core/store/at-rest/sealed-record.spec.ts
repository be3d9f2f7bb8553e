import { createCipheriv, hkdfSync, randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { resolveEncryptionKeys } from '../../../../lib/core/store/at-rest/encryption-keys.js';
import { openRecord, sealRecord, sealText, SEALED_KEY } from '../../../../lib/core/store/at-rest/sealed-record.js';
import { SessionCookie } from '../../../../lib/core/cookie/session-cookie.js';
import { isSessionMadeRecord, serializeSessionRecord, toSessionRecord } from '../../../../lib/core/session/session-record.js';
import type { SessionRecord } from '../../../../lib/core/session/session-record.js';
import { Session, serializeSessionData } from '../../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../../lib/core/session/session.js';

const OLD = { id: 'old', key: randomBytes(32) };
const NEW = { id: 'new', key: randomBytes(32) };
const ring = resolveEncryptionKeys({ keys: [NEW, OLD] })!;
const oldRing = resolveEncryptionKeys({ keys: [OLD] })!;
const cookie = { originalMaxAge: 60_000, expires: '2030-01-01T00:00:00.000Z', path: '/', httpOnly: true };

function record(data: Record<string, unknown>): SessionRecord {
  return { cookie, ...data } as SessionRecord;
}

/** A sealed value with one part replaced. */
function withPart(sealed: SessionRecord, index: number, replace: (part: string) => string): SessionRecord {
  const parts = String(sealed[SEALED_KEY]).split('.');
  parts[index] = replace(parts[index]!);
  return { ...sealed, [SEALED_KEY]: parts.join('.') };
}

/** The JSON a v2 `__sealed` value holds, opened as the README documents the format (on OpenSSL and the BigInt Poly1305), or fails. */
function openedAsDocumented(sealed: string, storageKey: string): string {
  const [version, keyId, sealedText] = sealed.split('.');
  const bytes = Buffer.from(sealedText!, 'base64url');
  const counterBlock = bytes.subarray(0, 16);
  const ciphertext = bytes.subarray(32);
  const derived = Buffer.from(hkdfSync('sha256', NEW.key, Buffer.alloc(0), 'nest-sessions sealed record v2: aes-256-ctr key, aes-256 tag mask key, poly1305 r', 80));
  const aes = (key: Buffer, counter: Buffer, data: Buffer) => createCipheriv('aes-256-ctr', key, counter).update(data);
  const associated = Buffer.from(`nest-sessions:${version}:${keyId}:${storageKey}`, 'utf8');
  const s = aes(derived.subarray(32, 64), counterBlock, Buffer.alloc(16));
  expect(poly1305Aead(derived.subarray(64), s, associated, ciphertext)).toEqual(bytes.subarray(16, 32));
  return aes(derived.subarray(0, 32), counterBlock, ciphertext).toString('utf8');
}

describe('sealed records', () => {
  it('keep the cookie readable and seal every other key; open to the same data', () => {
    const sealed = sealRecord(ring, 'storage-key', record({ email: 'ada@example.com', roles: ['admin'] }));
    expect(Object.keys(sealed)).toEqual(['cookie', SEALED_KEY]);
    expect(sealed.cookie).toEqual(cookie);
    expect(JSON.stringify(sealed)).not.toContain('ada@example.com');
    expect(String(sealed[SEALED_KEY])).toMatch(/^v2\.new\.[A-Za-z0-9_-]{64,}$/);
    expect(openRecord(ring, 'storage-key', sealed)).toEqual({
      data: { email: 'ada@example.com', roles: ['admin'] },
      text: '{"email":"ada@example.com","roles":["admin"]}',
      keyId: 'new',
      needsResealing: false,
    });
  });

  it('seal the same data differently each time (a fresh counter block)', () => {
    const data = record({ a: 1 });
    expect(sealRecord(ring, 'k', data)[SEALED_KEY]).not.toBe(sealRecord(ring, 'k', data)[SEALED_KEY]);
  });

  it('do not open under another storage key (a value copied to another session)', () => {
    const sealed = sealRecord(ring, 'session-a', record({ userId: 'a' }));
    expect(openRecord(ring, 'session-b', sealed)).toEqual({ reason: 'not-authentic', keyId: 'new' });
  });

  it('open when sealed with an older key still configured, saying so', () => {
    const sealed = sealRecord(oldRing, 'k', record({ a: 1 }));
    expect(openRecord(ring, 'k', sealed)).toEqual({ data: { a: 1 }, text: '{"a":1}', keyId: 'old', needsResealing: true });
  });

  it('do not open with a key id no longer configured', () => {
    const sealed = sealRecord(ring, 'k', record({ a: 1 }));
    expect(openRecord(oldRing, 'k', sealed)).toEqual({ reason: 'unknown-key', keyId: 'new' });
  });

  it('do not open when a different key was put under the same id', () => {
    const sealed = sealRecord(oldRing, 'k', record({ a: 1 }));
    const sameIdOtherKey = resolveEncryptionKeys({ keys: [{ id: 'old', key: randomBytes(32) }] })!;
    expect(openRecord(sameIdOtherKey, 'k', sealed)).toEqual({ reason: 'not-authentic', keyId: 'old' });
  });

  /** The sealed bytes (counter block ‖ tag ‖ ciphertext) changed by `change`. */
  const withBytes = (change: (bytes: Buffer) => Buffer) => (part: string) => change(Buffer.from(part, 'base64url')).toString('base64url');
  const flipAt = (at: number) =>
    withBytes((bytes) => {
      bytes[at < 0 ? bytes.length + at : at]! ^= 1;
      return bytes;
    });

  it.each([
    ['a changed counter block', flipAt(0)],
    ["a changed counter block's last byte", flipAt(15)],
    ['a changed tag', flipAt(16)],
    ["a changed tag's last byte", flipAt(31)],
    ['a changed ciphertext', flipAt(32)],
    ['a changed last byte of ciphertext', flipAt(-1)],
    ['a byte more', withBytes((bytes) => Buffer.concat([bytes, Buffer.alloc(1)]))],
    ['a byte less', withBytes((bytes) => bytes.subarray(0, bytes.length - 1))],
    ['no ciphertext', withBytes((bytes) => bytes.subarray(0, 32))],
    ['less than a counter block and a tag', withBytes((bytes) => bytes.subarray(0, 31))],
    ['nothing', () => ''],
  ])('do not open with %s: no session, no throw', (_case, replace) => {
    const sealed = sealRecord(ring, 'k', record({ a: 1, name: 'some text' }));
    expect(openRecord(ring, 'k', withPart(sealed, 2, replace))).toEqual({ reason: 'not-authentic', keyId: 'new' });
  });

  it('do not open when any one bit of the sealed bytes is changed', () => {
    const sealed = sealRecord(ring, 'k', record({ a: 1 }));
    const length = Buffer.from(String(sealed[SEALED_KEY]).split('.')[2]!, 'base64url').length;
    for (let bit = 0; bit < length * 8; bit++) {
      const changed = withPart(
        sealed,
        2,
        withBytes((bytes) => {
          bytes[bit >> 3]! ^= 1 << (bit & 7);
          return bytes;
        }),
      );
      expect(openRecord(ring, 'k', changed)).toEqual({ reason: 'not-authentic', keyId: 'new' });
    }
  });

  it.each([
    ['an unknown version', (sealed: SessionRecord) => withPart(sealed, 0, () => 'v3')],
    ['too few parts', (sealed: SessionRecord) => ({ ...sealed, [SEALED_KEY]: 'v2.new' })],
    ["version 1's number of parts", (sealed: SessionRecord) => ({ ...sealed, [SEALED_KEY]: `${String(sealed[SEALED_KEY])}.AAAA` })],
    ['version 1 with parts of version 2', (sealed: SessionRecord) => ({ ...sealed, [SEALED_KEY]: String(sealed[SEALED_KEY]).replace(/^v2/, 'v1') })],
    ['too many parts', (sealed: SessionRecord) => ({ ...sealed, [SEALED_KEY]: `${String(sealed[SEALED_KEY])}.AAAA.AAAA` })],
  ])('do not open with %s', (_case, change) => {
    expect(openRecord(ring, 'k', change(sealRecord(ring, 'k', record({ a: 1 }))))).toEqual({ reason: 'unknown-version' });
  });

  it('round-trip any JSON object, of any size, under any storage key', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.string({ unit: 'binary' }), (data, storageKey) => {
        const text = JSON.stringify(data);
        const sealed = { cookie, [SEALED_KEY]: sealText(ring, storageKey, text) } as SessionRecord;
        expect(openRecord(ring, storageKey, sealed)).toEqual({ data: JSON.parse(text), text, keyId: 'new', needsResealing: false });
      }),
    );
    const large = JSON.stringify({ text: 'é😀x'.repeat(20_000) });
    expect(openRecord(ring, 'k', { cookie, [SEALED_KEY]: sealText(ring, 'k', large) } as SessionRecord)).toMatchObject({ text: large });
  });

  it('follow the documented format (an opener written from it alone, on OpenSSL)', () => {
    const sealed = String(sealRecord(ring, 'storage-key', record({ email: 'ada@example.com' }))[SEALED_KEY]);
    expect(openedAsDocumented(sealed, 'storage-key')).toBe('{"email":"ada@example.com"}');
  });

  it('follow the documented format at every size, small and large seals interleaved (one assembly buffer serves them), sealed again', () => {
    // 16 KiB and 64 KiB are where the assembly buffer grows, and past which a seal gets one of its own.
    const lengths = [10, 5_000, 6_000, 30_000, 10, 100_000, 20, 70_000, 3];
    for (const [index, length] of lengths.entries()) {
      const text = JSON.stringify({ text: 'é😀x'.repeat(length / 4) + String(index) });
      const storageKey = `key-${'ü'.repeat(index)}`;
      // Twice: the second seal takes its MAC up after the remembered associated data.
      for (let time = 0; time < 2; time++) expect(openedAsDocumented(sealText(ring, storageKey, text), storageKey)).toBe(text);
    }
  });
});

describe('sealed records of version 1 (AES-256-GCM, written before version 2)', () => {
  /** A version 1 value as its documented format gives it. */
  function sealV1(key: Buffer, keyId: string, storageKey: string, text: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from(`nest-sessions:v1:${keyId}:${storageKey}`, 'utf8'));
    const ciphertext = Buffer.concat([cipher.update(text, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${keyId}.${iv.toString('base64url')}.${ciphertext.toString('base64url')}`;
  }
  const v1Record = (sealed: string) => ({ cookie, [SEALED_KEY]: sealed }) as SessionRecord;

  it('still open, due to be sealed again as version 2 whatever their key', () => {
    expect(openRecord(ring, 'k', v1Record(sealV1(NEW.key, 'new', 'k', '{"a":1}')))).toEqual({ data: { a: 1 }, text: '{"a":1}', keyId: 'new', needsResealing: true });
    expect(openRecord(ring, 'k', v1Record(sealV1(OLD.key, 'old', 'k', '{"a":1}')))).toMatchObject({ keyId: 'old', needsResealing: true });
  });

  const flip = (part: string, at: number) => {
    const bytes = Buffer.from(part, 'base64url');
    bytes[at < 0 ? bytes.length + at : at]! ^= 1;
    return bytes.toString('base64url');
  };

  it.each([
    ['under another storage key', (parts: string[]) => parts, 'other-key'],
    ['with a changed tag', (parts: string[]) => [parts[0]!, parts[1]!, parts[2]!, flip(parts[3]!, -1)], 'k'],
    ['with a changed IV', (parts: string[]) => [parts[0]!, parts[1]!, flip(parts[2]!, 0), parts[3]!], 'k'],
    ['with an IV of another length', (parts: string[]) => [parts[0]!, parts[1]!, 'AAAA', parts[3]!], 'k'],
    ['truncated', (parts: string[]) => [parts[0]!, parts[1]!, parts[2]!, 'AAAA'], 'k'],
  ])('do not open %s', (_case, change, storageKey) => {
    const parts = sealV1(NEW.key, 'new', 'k', '{"a":1}').split('.');
    expect(openRecord(ring, storageKey, v1Record(change(parts).join('.')))).toEqual({ reason: 'not-authentic', keyId: 'new' });
  });

  it('do not open with a key id no longer configured', () => {
    expect(openRecord(oldRing, 'k', v1Record(sealV1(NEW.key, 'new', 'k', '{"a":1}')))).toEqual({ reason: 'unknown-key', keyId: 'new' });
  });
});

describe('sealed records as stores serialize them', () => {
  function sessionRecord(data: Record<string, unknown>): SessionRecord {
    const session = new Session({} as SessionOperations, 'session-id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 }), data);
    return toSessionRecord(session, serializeSessionData(session));
  }

  it.each([
    ['made from a session', sessionRecord({ email: 'ada@example.com' })],
    ['given as it is (a store API caller)', record({ email: 'ada@example.com' })],
  ])('serialize to JSON.stringify of the sealed record (%s)', (_name, plain) => {
    const sealed = sealRecord(ring, 'storage-key', plain);
    expect(serializeSessionRecord(sealed)).toBe(JSON.stringify(sealed));
  });

  it("are trusted as a session's record only when the record sealed was one (its cookie made by the session)", () => {
    expect(isSessionMadeRecord(sealRecord(ring, 'k', sessionRecord({ a: 1 })))).toBe(true);
    expect(isSessionMadeRecord(sealRecord(ring, 'k', record({ a: 1 })))).toBe(false);
    const replacedCookie = sealRecord(ring, 'k', sessionRecord({ a: 1 }));
    replacedCookie.cookie = { ...replacedCookie.cookie };
    expect(isSessionMadeRecord(replacedCookie)).toBe(false);
    expect(serializeSessionRecord(replacedCookie)).toBe(JSON.stringify(replacedCookie));
  });
});

/** Poly1305 over RFC 8439's AEAD layout, from the RFC's definition in BigInt arithmetic. */
function poly1305Aead(r: Uint8Array, s: Uint8Array, associated: Buffer, ciphertext: Buffer): Buffer {
  const littleEndian = (bytes: Uint8Array) => BigInt(`0x${Buffer.from(bytes).reverse().toString('hex') || '0'}`);
  const clamped = Uint8Array.from(r);
  for (const index of [3, 7, 11, 15]) clamped[index]! &= 15;
  for (const index of [4, 8, 12]) clamped[index]! &= 252;
  const pad16 = (bytes: Buffer) => Buffer.concat([bytes, Buffer.alloc((16 - (bytes.length % 16)) % 16)]);
  const lengths = Buffer.alloc(16);
  lengths.writeUInt32LE(associated.length, 0);
  lengths.writeUInt32LE(ciphertext.length, 8);
  const message = Buffer.concat([pad16(associated), pad16(ciphertext), lengths]);
  const p = 2n ** 130n - 5n;
  let h = 0n;
  for (let at = 0; at < message.length; at += 16) h = ((h + littleEndian(message.subarray(at, at + 16)) + 2n ** 128n) * littleEndian(clamped)) % p;
  return Buffer.from(((h + littleEndian(s)) % 2n ** 128n).toString(16).padStart(32, '0'), 'hex').reverse();
}
