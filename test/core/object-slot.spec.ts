import fc from 'fast-check';
import { objectSlot } from '../../lib/core/object-slot.js';

describe('objectSlot', () => {
  it('gives back what was set on an object, and undefined where nothing was', () => {
    const slot = objectSlot<string>();
    const withValue = { a: 1 };
    slot.set(withValue, 'first');
    expect(slot.get(withValue)).toBe('first');
    slot.set(withValue, 'second');
    expect(slot.get(withValue)).toBe('second');
    expect(slot.get({ a: 1 })).toBeUndefined();
  });

  it('answers undefined for anything that is not an object, as a WeakMap does', () => {
    const slot = objectSlot<number>();
    for (const value of [undefined, null, 0, 'text', true, Symbol('s'), 10n]) expect(slot.get(value)).toBeUndefined();
  });

  it('keeps each slot apart from the others', () => {
    const first = objectSlot<string>();
    const second = objectSlot<string>();
    const target = {};
    first.set(target, 'one');
    expect(second.get(target)).toBeUndefined();
    second.set(target, 'two');
    expect([first.get(target), second.get(target)]).toEqual(['one', 'two']);
  });

  it('shows nothing to the object’s owner: no key, symbol, copy, JSON or prototype change', () => {
    const slot = objectSlot<object>();
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (data) => {
        const target = { ...data };
        const keysBefore = Reflect.ownKeys(target);
        const jsonBefore = JSON.stringify(target);
        slot.set(target, { hidden: true });
        expect(Reflect.ownKeys(target)).toEqual(keysBefore);
        expect(JSON.stringify(target)).toBe(jsonBefore);
        expect(slot.get({ ...target })).toBeUndefined();
        expect(slot.get(structuredClone(target))).toBeUndefined();
        expect(Object.getPrototypeOf(target)).toBe(Object.prototype);
      }),
    );
  });

  it('works on frozen objects, class instances and arrays', () => {
    const slot = objectSlot<string>();
    const targets = [Object.freeze({ a: 1 }), new (class Thing {})(), [1, 2], Object.create(null) as object];
    for (const target of targets) slot.set(target, 'set');
    for (const target of targets) expect(slot.get(target)).toBe('set');
  });
});
