import { jest } from '@jest/globals';
import { MemoryStore } from '../../../lib/index.js';
import type { SessionRecord } from '../../../lib/index.js';

function record(lifetimeMs = 60_000): SessionRecord {
  return { cookie: { originalMaxAge: lifetimeMs, expires: new Date(Date.now() + lifetimeMs) } };
}

describe("MemoryStore's index of sessions per owner", () => {
  const stores: MemoryStore[] = [];
  function newStore(options: ConstructorParameters<typeof MemoryStore>[0] = {}): MemoryStore {
    const store = new MemoryStore({ checkPeriod: 0, ...options });
    stores.push(store);
    return store;
  }

  afterEach(async () => {
    jest.useRealTimers();
    await Promise.all(stores.splice(0).map((store) => store.close()));
  });

  it('records sessions under their owner and moves them when the owner changes', async () => {
    const store = newStore();
    await store.set('a1', record(), { owner: 'alice' });
    await store.set('a2', record(), { owner: 'alice' });
    await store.set('b1', record(), { owner: 'bob' });
    await store.set('anonymous', record(), { owner: null });
    expect((await store.ownerSessionIds('alice')).sort()).toEqual(['a1', 'a2']);
    await store.set('a2', record(), { owner: 'bob' });
    expect(await store.ownerSessionIds('alice')).toEqual(['a1']);
    expect((await store.ownerSessionIds('bob')).sort()).toEqual(['a2', 'b1']);
    await store.set('a1', record(), { owner: null });
    expect(await store.ownerSessionIds('alice')).toEqual([]);
  });

  it('leaves the index alone for a writer that does not name an owner', async () => {
    const store = newStore();
    await store.set('a1', record(), { owner: 'alice' });
    await store.set('a1', record());
    await store.touch('a1', record());
    expect(await store.ownerSessionIds('alice')).toEqual(['a1']);
  });

  it('forgets sessions that are destroyed, evicted, expired or cleared', async () => {
    const store = newStore({ max: 2 });
    await store.set('a1', record(), { owner: 'alice' });
    await store.set('a2', record(), { owner: 'alice' });
    await store.destroy('a1');
    expect(await store.ownerSessionIds('alice')).toEqual(['a2']);
    await store.set('b1', record(), { owner: 'bob' });
    await store.set('b2', record(), { owner: 'bob' });
    // a2 was the least recently used: evicted from the store and the index.
    expect(await store.ownerSessionIds('alice')).toEqual([]);
    // A write that is already expired removes the session instead.
    await store.set('b1', record(-1), { owner: 'bob' });
    expect(await store.ownerSessionIds('bob')).toEqual(['b2']);
    await store.clear();
    expect(await store.ownerSessionIds('bob')).toEqual([]);
  });

  it('drops expired sessions from the index on the sweep', async () => {
    jest.useFakeTimers({ now: Date.now() });
    const store = newStore();
    await store.set('short', record(1_000), { owner: 'alice' });
    await store.set('long', record(60_000), { owner: 'alice' });
    jest.advanceTimersByTime(2_000);
    expect(await store.ownerSessionIds('alice')).toEqual(['long']);
    expect(store.sweep()).toBe(0);
    jest.advanceTimersByTime(60_000);
    expect(store.sweep()).toBe(1);
    expect(await store.ownerSessionIds('alice')).toEqual([]);
  });

  it('removeFromOwnerIndex only removes entries still under that owner', async () => {
    const store = newStore();
    await store.set('s1', record(), { owner: 'bob' });
    await store.removeFromOwnerIndex('alice', ['s1']);
    expect(await store.ownerSessionIds('bob')).toEqual(['s1']);
    await store.removeFromOwnerIndex('bob', ['s1']);
    expect(await store.ownerSessionIds('bob')).toEqual([]);
    expect(await store.get('s1')).toBeDefined();
  });
});
