import fc from 'fast-check';
import { applyFlashChanges } from '../../../lib/core/session/flash.js';
import { changesBetween, isRewritableLoadedText } from '../../../lib/core/session/session-changes.js';

/** Applies changes to data as a merging store does: set keys replaced, deleted keys removed. */
function applied(before: Record<string, unknown>, beforeJson: string, afterJson: string): Record<string, unknown> {
  const changes = changesBetween(beforeJson, afterJson);
  const result: Record<string, unknown> = JSON.parse(JSON.stringify(before));
  for (const key of changes.deletedKeys) delete result[key];
  for (const [key, json] of changes.setKeys) result[key] = JSON.parse(json);
  return result;
}

const keys = fc.string().filter((key) => key !== '__proto__');

describe('changesBetween', () => {
  it('lists keys added or changed with their JSON, and keys removed', () => {
    const before = JSON.stringify({ same: 1, changed: { a: 1 }, removed: 'x', becameUndefined: 2 });
    const after = JSON.stringify({ same: 1, changed: { a: 2 }, added: [], becameUndefined: undefined });
    const changes = changesBetween(before, after);
    expect([...changes.setKeys]).toEqual([
      ['changed', '{"a":2}'],
      ['added', '[]'],
    ]);
    expect(changes.deletedKeys).toEqual(['removed', 'becameUndefined']);
  });

  it('is empty when nothing changed (a save then only renews the cookie)', () => {
    const json = JSON.stringify({ a: 1, b: [1, 2], c: { d: null } });
    const changes = changesBetween(json, json);
    expect(changes.setKeys.size).toBe(0);
    expect(changes.deletedKeys).toEqual([]);
  });

  it('applied to the data before, always gives the data after; values keep their exact JSON', () => {
    fc.assert(
      // (A session never has an own `__proto__` key: assigning one sets the prototype instead.)
      fc.property(fc.dictionary(keys, fc.jsonValue()), fc.dictionary(keys, fc.jsonValue()), (before, after) => {
        const [beforeJson, afterJson] = [JSON.stringify(before), JSON.stringify(after)];
        // Kept keys keep their place, new ones come last: equal as data, not as text.
        expect(applied(before, beforeJson, afterJson)).toEqual(JSON.parse(afterJson));
        for (const [key, json] of changesBetween(beforeJson, afterJson).setKeys) expect(json).toBe(JSON.stringify(JSON.parse(afterJson)[key]));
      }),
    );
  });

  it('keeps the record it is relative to, and works the changes out only when read', () => {
    const baseRecord = { cookie: { originalMaxAge: null } };
    const changes = changesBetween('{"a":1}', 'not JSON: never parsed unless read', baseRecord);
    expect(changes.baseRecord).toBe(baseRecord);
    expect(() => changes.setKeys).toThrow(SyntaxError);
  });

  it('lists the flash messages added and removed one by one; applied to the data before, they give the messages after', () => {
    // A message never changes once flashed: its content follows from its id.
    const messages = fc
      .subarray(['m1', 'm2', 'm3', 'm4'])
      .map((messageIds) => Object.fromEntries(messageIds.map((messageId) => [messageId, { key: 'notice', value: `${messageId} text` }])));
    fc.assert(
      fc.property(messages, messages, (before, after) => {
        // The key goes with the last message.
        const dataWith = (members: object) => (Object.keys(members).length === 0 ? {} : { __flash: members });
        const changes = changesBetween(JSON.stringify(dataWith(before)), JSON.stringify(dataWith(after)));
        const data: Record<string, unknown> = JSON.parse(JSON.stringify(dataWith(before)));
        applyFlashChanges(data, changes.flash!);
        expect(data).toEqual(dataWith(after));
      }),
    );
    const changes = changesBetween('{"__flash":{"m1":{"key":"a","value":1}}}', '{"__flash":{"m2":{"key":"a","value":2}}}');
    expect(changes.flash).toEqual({ added: new Map([['m2', '{"key":"a","value":2}']]), removed: ['m1'] });
  });
});

describe('isRewritableLoadedText', () => {
  const cookie = { originalMaxAge: 3_600_000, expires: '2026-12-07T10:00:00.000Z', secure: false, httpOnly: true, path: '/', sameSite: 'lax' };
  /** Whether a request that loaded `loadedText` (its data's JSON `baseDataJson`) may write its record whole over it. */
  const rewritable = (loadedText: string, baseDataJson: string) =>
    isRewritableLoadedText(loadedText, changesBetween(baseDataJson, '{"n":2}', JSON.parse(loadedText)));

  it('is true for the JSON.stringify of any record with its cookie first, whatever the cookie', () => {
    // (Integer-like keys would go before the cookie: an object lists them first.)
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), fc.dictionary(keys.filter((key) => key !== 'cookie' && !/^\d+$/.test(key)), fc.jsonValue()), (anyCookie, data) => {
        const baseDataJson = JSON.stringify(data);
        expect(rewritable(JSON.stringify({ cookie: cookie, ...data }), baseDataJson)).toBe(true);
        // With where the cookie ends given by the store that read the text: no walk, the same answer.
        const loadedText = JSON.stringify({ cookie: cookie, ...data });
        const cookieEnd = '{"cookie":'.length + JSON.stringify(cookie).length;
        expect(isRewritableLoadedText(loadedText, changesBetween(baseDataJson, '{"n":2}', JSON.parse(loadedText)), cookieEnd)).toBe(true);
        // Every save replaces the cookie: its stored text need not be JSON.stringify's.
        expect(rewritable(`{"cookie":${JSON.stringify(anyCookie, null, 1)}${baseDataJson === '{}' ? '}' : `,${baseDataJson.slice(1)}`}`, baseDataJson)).toBe(true);
      }),
    );
  });

  it('is false when the stored text keeps data the request did not load as it is stored', () => {
    const cookieJson = JSON.stringify(cookie);
    // A key the Session drops, after the cookie or before it.
    expect(rewritable(`{"cookie":${cookieJson},"save":1,"n":1}`, '{"n":1}')).toBe(false);
    expect(rewritable(`{"save":1,"cookie":${cookieJson},"n":1}`, '{"n":1}')).toBe(false);
    expect(rewritable(`{"cookie":${cookieJson},"save":1}`, '{}')).toBe(false);
    const withSave = `{"cookie":${cookieJson},"save":1,"n":1}`;
    expect(isRewritableLoadedText(withSave, changesBetween('{"n":1}', '{"n":2}', JSON.parse(withSave)), '{"cookie":'.length + cookieJson.length)).toBe(false);
    // A number JavaScript rounds, and another writer's spacing.
    expect(rewritable(`{"cookie":${cookieJson},"id":12345678901234567891}`, JSON.stringify({ id: 12345678901234567891 }))).toBe(false);
    expect(rewritable(`{"cookie":${cookieJson}, "n":1}`, '{"n":1}')).toBe(false);
    // No record loaded, or a record written cookie last.
    expect(isRewritableLoadedText(`{"cookie":${cookieJson}}`, changesBetween('{}', '{"n":2}'))).toBe(false);
    expect(rewritable(`{"n":1,"cookie":${cookieJson}}`, '{"n":1}')).toBe(false);
  });
});
