import { randomBytes } from 'node:crypto';
import { resolveEncryptionKeys } from '../../../../lib/core/store/at-rest/encryption-keys.js';
import { openRecord, sealRecord, SEALED_KEY } from '../../../../lib/core/store/at-rest/sealed-record.js';
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

describe('sealed records', () => {
  it('keep the cookie readable and seal every other key; open to the same data', () => {
    const sealed = sealRecord(ring, 'storage-key', record({ email: 'ada@example.com', roles: ['admin'] }));
    expect(Object.keys(sealed)).toEqual(['cookie', SEALED_KEY]);
    expect(sealed.cookie).toEqual(cookie);
    expect(JSON.stringify(sealed)).not.toContain('ada@example.com');
    expect(String(sealed[SEALED_KEY])).toMatch(/^v1\.new\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+$/);
    expect(openRecord(ring, 'storage-key', sealed)).toEqual({
      data: { email: 'ada@example.com', roles: ['admin'] },
      text: '{"email":"ada@example.com","roles":["admin"]}',
      keyId: 'new',
      isSealedWithOlderKey: false,
    });
  });

  it('seal the same data differently each time (a random IV)', () => {
    const data = record({ a: 1 });
    expect(sealRecord(ring, 'k', data)[SEALED_KEY]).not.toBe(sealRecord(ring, 'k', data)[SEALED_KEY]);
  });

  it('do not open under another storage key (a value copied to another session)', () => {
    const sealed = sealRecord(ring, 'session-a', record({ userId: 'a' }));
    expect(openRecord(ring, 'session-b', sealed)).toEqual({ reason: 'not-authentic', keyId: 'new' });
  });

  it('open when sealed with an older key still configured, saying so', () => {
    const sealed = sealRecord(oldRing, 'k', record({ a: 1 }));
    expect(openRecord(ring, 'k', sealed)).toEqual({ data: { a: 1 }, text: '{"a":1}', keyId: 'old', isSealedWithOlderKey: true });
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

  /** The base64url part with one byte flipped (`at` from the end when negative). */
  const flipByte = (at: number) => (part: string) => {
    const bytes = Buffer.from(part, 'base64url');
    bytes[at < 0 ? bytes.length + at : at]! ^= 1;
    return bytes.toString('base64url');
  };

  it.each([
    ['a changed tag', 3, flipByte(-1)],
    ['a changed ciphertext', 3, flipByte(0)],
    ['a changed IV', 2, flipByte(0)],
    ['a truncated value', 3, () => 'AAAA'],
    ['an IV of another length', 2, () => 'AAAA'],
  ])('do not open with %s: no session, no throw', (_case, index, replace) => {
    const sealed = sealRecord(ring, 'k', record({ a: 1 }));
    expect(openRecord(ring, 'k', withPart(sealed, index, replace))).toEqual({ reason: 'not-authentic', keyId: 'new' });
  });

  it.each([
    ['an unknown version', (sealed: SessionRecord) => withPart(sealed, 0, () => 'v2')],
    ['too few parts', (sealed: SessionRecord) => ({ ...sealed, [SEALED_KEY]: 'v1.new.AAAA' })],
  ])('do not open with %s', (_case, change) => {
    expect(openRecord(ring, 'k', change(sealRecord(ring, 'k', record({ a: 1 }))))).toEqual({ reason: 'unknown-version' });
  });

  it.each([
    ['no sealed value (written in clear)', record({ userId: 'forged' })],
    ['a sealed value that is not a string', { cookie, [SEALED_KEY]: 42 } as SessionRecord],
  ])('do not open with %s', (_case, stored) => {
    expect(openRecord(ring, 'k', stored)).toEqual({ reason: 'not-sealed' });
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
