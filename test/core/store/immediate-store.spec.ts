import { immediateStoreOf } from '../../../lib/core/store/immediate-store.js';
import { MemoryStore } from '../../../lib/stores/memory/memory-store.js';
import { holdableStore } from '../../support/held-store.js';

describe('immediateStoreOf', () => {
  const stores: MemoryStore[] = [];
  const memoryStore = <T extends MemoryStore>(store: T): T => (stores.push(store), store);
  afterEach(async () => {
    for (const store of stores.splice(0)) await store.close();
  });

  it("gives a MemoryStore's immediate calls, which answer as its async methods do", async () => {
    const store = memoryStore(new MemoryStore({ checkPeriod: 0 }));
    const immediate = immediateStoreOf(store)!;
    const record = { cookie: { originalMaxAge: 60_000, expires: new Date(Date.now() + 60_000) }, views: 1 };
    expect(immediate.set('a', record, { mode: 'create' })).toBe(true);
    expect(immediate.set('a', record, { mode: 'create' })).toBe(false);
    expect(immediate.get('a')).toEqual(await store.get('a'));
    expect(immediate.touch('a', record)).toBe(true);
    expect(immediate.touch('gone', record)).toBe(false);
    expect(immediate.merge('gone', record, { setKeys: new Map(), deletedKeys: [] } as never)).toBe(false);
  });

  it('gives nothing for a subclass that overrides one of the async methods, an instance that replaces one, or a wrapper', () => {
    class LoggingStore extends MemoryStore {
      override async merge(...args: Parameters<MemoryStore['merge']>): Promise<boolean> {
        return super.merge(...args);
      }
    }
    class PlainSubclass extends MemoryStore {}
    expect(immediateStoreOf(memoryStore(new LoggingStore({ checkPeriod: 0 })))).toBeUndefined();
    expect(immediateStoreOf(memoryStore(new PlainSubclass({ checkPeriod: 0 })))).toBeDefined();
    const replaced = memoryStore(new MemoryStore({ checkPeriod: 0 }));
    const get = replaced.get.bind(replaced);
    replaced.get = (sessionId) => get(sessionId);
    expect(immediateStoreOf(replaced)).toBeUndefined();
    expect(immediateStoreOf(holdableStore(memoryStore(new MemoryStore({ checkPeriod: 0 }))).store)).toBeUndefined();
  });
});
