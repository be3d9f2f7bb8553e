import fc from 'fast-check';
import { Session, serializeSessionData } from '../../lib/core/session.js';
import type { SessionOwner } from '../../lib/core/session.js';
import { SessionCookie } from '../../lib/core/session-cookie.js';
import { changesBetween, joinKeyedDataJson, serializeDataByKey } from '../../lib/core/session-changes.js';

const owner = {} as SessionOwner;

function sessionWith(data?: Record<string, unknown>): Session {
  const cookie = SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });
  return new Session(owner, 'session-id', cookie, data);
}

describe('per-key serialization', () => {
  it('joins to exactly the JSON of the whole data, for any data', () => {
    const keys = fc.string().filter((key) => !['cookie', '__proto__', 'constructor'].includes(key) && !(key in sessionWith()));
    fc.assert(
      fc.property(fc.dictionary(keys, fc.jsonValue()), (data) => {
        const session = sessionWith(data);
        expect(joinKeyedDataJson(serializeDataByKey(session))).toBe(serializeSessionData(session));
      }),
    );
  });

  it('leaves out the cookie and values JSON drops, as JSON.stringify does', () => {
    const session = sessionWith({ kept: 1, gone: undefined, fn: () => 1, at: new Date(0), 2: 'index-like' });
    const byKey = serializeDataByKey(session);
    expect([...byKey.keys()]).toEqual(['2', 'kept', 'at']);
    expect(joinKeyedDataJson(byKey)).toBe(serializeSessionData(session));
    expect(joinKeyedDataJson(serializeDataByKey(sessionWith()))).toBe('{}');
  });
});

describe('changesBetween', () => {
  it('lists keys added or changed with their JSON, and keys removed', () => {
    const before = serializeDataByKey(sessionWith({ same: 1, changed: { a: 1 }, removed: 'x', becameUndefined: 2 }));
    const after = serializeDataByKey(sessionWith({ same: 1, changed: { a: 2 }, added: [], becameUndefined: undefined }));
    const changes = changesBetween(before, after);
    expect([...changes.setKeys]).toEqual([
      ['changed', '{"a":2}'],
      ['added', '[]'],
    ]);
    expect(changes.deletedKeys).toEqual(['removed', 'becameUndefined']);
  });

  it('is empty when nothing changed (a save then only renews the cookie)', () => {
    const data = { a: 1, b: [1, 2] };
    const changes = changesBetween(serializeDataByKey(sessionWith(data)), serializeDataByKey(sessionWith(data)));
    expect(changes.setKeys.size).toBe(0);
    expect(changes.deletedKeys).toEqual([]);
  });
});
