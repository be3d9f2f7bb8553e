import { EventEmitter } from 'node:events';
import { MemoryStore, SessionStore, SessionOptionsError, toSessionStore } from '../../../lib/index.js';
import type { SessionRecord } from '../../../lib/index.js';

/** A store as another installed copy of the package builds it: not our class, same brand. */
const BRAND: unique symbol = Symbol.for('nest-sessions.SessionStore') as never;

class StoreFromAnotherCopy extends EventEmitter {
  readonly [BRAND] = true;
  readonly records = new Map<string, SessionRecord>();
  async get(sessionId: string) {
    return this.records.get(sessionId);
  }
  async set(sessionId: string, record: SessionRecord) {
    this.records.set(sessionId, record);
  }
  async destroy(sessionId: string) {
    this.records.delete(sessionId);
  }
}

describe('SessionStore', () => {
  it('recognises stores of another copy of the package, so they are not wrapped as callback stores', async () => {
    const foreign = new StoreFromAnotherCopy();
    expect(foreign instanceof SessionStore).toBe(true);
    const store = toSessionStore(foreign as unknown as SessionStore);
    expect(store).toBe(foreign);
    await store.set('id', { cookie: { originalMaxAge: null } });
    await expect(store.get('id')).resolves.toEqual({ cookie: { originalMaxAge: null } });
  });

  it('keeps ordinary instanceof for its subclasses', () => {
    class OtherStore extends SessionStore {
      async get() {
        return undefined;
      }
      async set() {}
      async destroy() {}
    }
    const memoryStore = new MemoryStore({ checkPeriod: 0 });
    expect(memoryStore instanceof SessionStore).toBe(true);
    expect(memoryStore instanceof MemoryStore).toBe(true);
    expect(new OtherStore() instanceof MemoryStore).toBe(false);
    expect({ get() {}, set() {}, destroy() {} } instanceof SessionStore).toBe(false);
  });
});

describe('MemoryStore max', () => {
  it('must leave room for at least one session', () => {
    expect(() => new MemoryStore({ max: 0.5 })).toThrow(SessionOptionsError);
    expect(() => new MemoryStore({ max: 0.5 })).toThrow(/`MemoryStore.max`: must be a number of entries, at least 1 .*, got 0.5/);
  });
});
