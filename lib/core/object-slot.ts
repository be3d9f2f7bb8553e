/**
 * `new` of a subclass returns `adopted` when given one: the subclass's fields (private ones
 * too) are then added to that object (JavaScript's constructor return override). `objectSlot`
 * and `Session.overRecord` use it.
 */
export class AdoptingBase {
  constructor(adopted?: object) {
    if (adopted !== undefined) return adopted;
  }
}

/** A value kept on objects, read back with `get` (undefined where none was set). */
export interface ObjectSlot<T> {
  get(target: unknown): T | undefined;
  set(target: object, value: T): void;
}

/**
 * A WeakMap's job done by a private field of its own, added to each object it is set on
 * (JavaScript's constructor return override): no ephemeron per entry for the GC to trace at
 * every scavenge, and no hash lookup. As with a WeakMap, the objects' owners see nothing of it:
 * no key, symbol, copy or JSON shows a private field.
 */
export function objectSlot<T>(): ObjectSlot<T> {
  class Slot extends AdoptingBase {
    #value: T;

    constructor(target: object, value: T) {
      super(target);
      this.#value = value;
    }

    static get(target: unknown): T | undefined {
      return typeof target === 'object' && target !== null && #value in target ? (target as Slot).#value : undefined;
    }

    static set(target: object, value: T): void {
      if (#value in target) (target as Slot).#value = value;
      else new Slot(target, value);
    }
  }
  return { get: Slot.get, set: Slot.set };
}
