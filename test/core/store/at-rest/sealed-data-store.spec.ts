import { createCipheriv, randomBytes } from 'node:crypto';
import expressSession from 'express-session';
import { SessionStoreError } from '../../../../lib/core/errors.js';
import { SessionManager } from '../../../../lib/core/management/session-manager.js';
import { resolveSessionOptions } from '../../../../lib/core/options/resolve-options.js';
import { CallbackStoreAdapter } from '../../../../lib/core/store/callback-store-adapter.js';
import type { CallbackSessionStore } from '../../../../lib/core/store/callback-store-adapter.js';
import { resolveEncryptionKeys } from '../../../../lib/core/store/at-rest/encryption-keys.js';
import { MAX_MERGE_ATTEMPTS, SealedDataStore } from '../../../../lib/core/store/at-rest/sealed-data-store.js';
import { SEALED_KEY, sealRecord } from '../../../../lib/core/store/at-rest/sealed-record.js';
import type { UnreadableReason } from '../../../../lib/core/store/at-rest/sealed-record.js';
import type { SessionChanges } from '../../../../lib/core/session/session-changes.js';
import type { SessionRecord } from '../../../../lib/core/session/session-record.js';
import type { CompareAndSetOutcome } from '../../../../lib/core/store/session-store.js';
import { MemoryStore } from '../../../../lib/stores/memory/memory-store.js';
import { immediateStoreOf } from '../../../../lib/core/store/immediate-store.js';
import { TEST_SECRET } from '../../../support/test-secret.js';
import { Session, serializeSessionData } from '../../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../../lib/core/session/session.js';
import { SessionCookie } from '../../../../lib/core/cookie/session-cookie.js';
import { toSessionRecord } from '../../../../lib/core/session/session-record.js';

const CURRENT = { id: 'current', key: randomBytes(32) };
const RETIRED = { id: 'retired', key: randomBytes(32) };
const ring = resolveEncryptionKeys({ keys: [CURRENT] })!;

function record(data: Record<string, unknown> = {}): SessionRecord {
  return { cookie: { originalMaxAge: 3_600_000, expires: new Date(Date.now() + 3_600_000), path: '/', httpOnly: true }, ...data } as SessionRecord;
}

/** A record as a request's session makes it (`toSessionRecord` with its data's JSON): trusted at its next load. */
function sessionRecord(data: Record<string, unknown>, maxAge = 3_600_000): SessionRecord {
  const session = new Session({} as SessionOperations, 'session-id', SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge }), data);
  return toSessionRecord(session, serializeSessionData(session));
}

function changes(setValues: Record<string, unknown>): SessionChanges {
  return { setKeys: new Map(Object.entries(setValues).map(([key, value]) => [key, JSON.stringify(value)])), deletedKeys: [] };
}

describe('SealedDataStore', () => {
  let inner: MemoryStore;
  let unreadable: Array<[UnreadableReason, string | undefined]>;
  let store: SealedDataStore;

  beforeEach(() => {
    inner = new MemoryStore({ checkPeriod: 0 });
    unreadable = [];
    store = new SealedDataStore(inner, ring, (reason, keyId) => unreadable.push([reason, keyId]));
  });

  it('stores the cookie and the sealed data only, bound to the storage key, and gives the session back', async () => {
    await store.set('key-a', record({ email: 'ada@example.com' }));
    const stored = (await inner.get('key-a'))!;
    expect(Object.keys(stored)).toEqual(['cookie', SEALED_KEY]);
    expect(JSON.stringify(stored)).not.toContain('ada@example.com');
    expect(await store.get('key-a')).toMatchObject({ email: 'ada@example.com' });
  });

  it('answers no session, without throwing, for records that do not open, and reports each with its reason', async () => {
    const retiredRing = resolveEncryptionKeys({ keys: [RETIRED] })!;
    await inner.set('retired-key', sealRecord(retiredRing, 'retired-key', record({ a: 1 })));
    await inner.set('clear', record({ userId: 'forged' }));
    await inner.set('copied', sealRecord(ring, 'another-key', record({ a: 1 })));
    await inner.set('future', { ...record(), [SEALED_KEY]: 'v9.current.x.y' });
    for (const key of ['retired-key', 'clear', 'copied', 'future']) expect(await store.get(key)).toBeUndefined();
    expect(unreadable).toEqual([['unknown-key', 'retired'], ['not-sealed', undefined], ['not-authentic', 'current'], ['unknown-version', undefined]]);
    expect(await store.take('copied')).toBeUndefined();
    expect(Object.keys(await store.all())).toEqual([]);
  });

  it('merges by compare-and-swap: a write that came between is kept', async () => {
    await store.set('key-a', record({ shared: 0 }));
    const loaded = (await store.get('key-a'))!;
    // Another request saves meanwhile.
    await store.set('key-a', record({ shared: 0, theirs: 1 }));
    expect(await store.merge('key-a', { ...loaded, mine: 1 }, { ...changes({ mine: 1 }), baseRecord: loaded })).toBe(true);
    expect(await store.get('key-a')).toMatchObject({ shared: 0, theirs: 1, mine: 1 });
  });

  it('takes flash messages by compare-and-swap: each once, the rest of the data kept; none of a session that is gone', async () => {
    const flash = { m1: { key: 'info', value: 'one' }, m2: { key: 'info', value: 'two' } };
    await store.set('key-a', record({ userId: 'ada', __flash: flash }));
    const [first, second] = await Promise.all([store.takeFlashMessages!('key-a', ['m1']), store.takeFlashMessages!('key-a', ['m1'])]);
    expect([...first!, ...second!]).toEqual(['m1']);
    expect(await store.get('key-a')).toMatchObject({ userId: 'ada', __flash: { m2: flash.m2 } });
    expect(await store.takeFlashMessages!('gone', ['m1'])).toEqual([]);
  });

  it('merges flash messages one by one: a message another request added meanwhile stays', async () => {
    await store.set('key-a', record({ __flash: { m1: { key: 'info', value: 'one' } } }));
    const loaded = (await store.get('key-a'))!;
    await store.set('key-a', record({ __flash: { m1: { key: 'info', value: 'one' }, m2: { key: 'info', value: 'theirs' } } }));
    const mine = { ...loaded, __flash: { m1: { key: 'info', value: 'one' }, m3: { key: 'info', value: 'mine' } } };
    const flashChanges = { added: new Map([['m3', JSON.stringify({ key: 'info', value: 'mine' })]]), removed: [] };
    expect(await store.merge!('key-a', mine, { ...changes({ __flash: mine.__flash }), flash: flashChanges })).toBe(true);
    expect(Object.keys((await store.get('key-a'))!.__flash as object).sort()).toEqual(['m1', 'm2', 'm3']);
  });

  it('gives up with a SessionStoreError after MAX_MERGE_ATTEMPTS tries that all lost', async () => {
    let tries = 0;
    /** A store on which another writer always came between. */
    class AlwaysChangedStore extends MemoryStore {
      override async compareAndSet(): Promise<CompareAndSetOutcome> {
        tries += 1;
        return 'changed';
      }
    }
    const alwaysChanged = new AlwaysChangedStore({ checkPeriod: 0 });
    const contended = new SealedDataStore(alwaysChanged, ring);
    await contended.set('key-a', record({ a: 1 }));
    await expect(contended.merge!('key-a', record({ a: 2 }), changes({ a: 2 }))).rejects.toThrow(SessionStoreError);
    expect(tries).toBe(MAX_MERGE_ATTEMPTS);
  }, 10_000);

  it('re-seals a session sealed with an older key on its next touch, keeping the stored data', async () => {
    const before = new SealedDataStore(inner, resolveEncryptionKeys({ keys: [RETIRED] })!);
    await before.set('key-a', record({ userId: 'ada' }));
    const rotated = new SealedDataStore(inner, resolveEncryptionKeys({ keys: [CURRENT, RETIRED] })!);
    const loaded = (await rotated.get('key-a'))!;
    expect(await rotated.touch!('key-a', loaded)).not.toBe(false);
    expect(String((await inner.get('key-a'))![SEALED_KEY])).toMatch(/^v2\.current\./);
    expect(await store.get('key-a')).toMatchObject({ userId: 'ada' });
  });

  it.each([
    ['loaded by its next request and touched', async (current: SealedDataStore) => current.touch!('key-a', (await current.get('key-a'))!)],
    ['loaded and saved', async (current: SealedDataStore) => current.set('key-a', { ...(await current.get('key-a'))!, cart: ['book'] })],
  ])('seals a version 1 record (a release before) again as version 2 when %s', async (_how, write) => {
    // Version 1 as its documented format gives it: AES-256-GCM under the key itself.
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', CURRENT.key, iv, { authTagLength: 16 });
    cipher.setAAD(Buffer.from('nest-sessions:v1:current:key-a', 'utf8'));
    const sealed = Buffer.concat([cipher.update('{"userId":"ada"}', 'utf8'), cipher.final(), cipher.getAuthTag()]);
    await inner.set('key-a', { ...record(), [SEALED_KEY]: `v1.current.${iv.toString('base64url')}.${sealed.toString('base64url')}` });
    expect(await store.get('key-a')).toMatchObject({ userId: 'ada' });
    expect(await write(new SealedDataStore(inner, ring))).not.toBe(false);
    expect(String((await inner.get('key-a'))![SEALED_KEY])).toMatch(/^v2\.current\./);
    expect(await new SealedDataStore(inner, ring).get('key-a')).toMatchObject({ userId: 'ada' });
  });

  describe('what it sealed or opened, remembered', () => {
    /** A ring of its own, so that a test can take its key away: only remembered data opens then. */
    function ownRing(openedCacheSize?: number): { ring: ReturnType<typeof resolveEncryptionKeys> & object; dropKey: () => void } {
      const own = resolveEncryptionKeys({ keys: [CURRENT], openedCacheSize })!;
      return { ring: own, dropKey: () => (own.keysById as Map<string, Buffer>).delete(CURRENT.id) };
    }

    it('loads back the value it wrote without decrypting it (it opens with the key gone); 0 remembers nothing', async () => {
      const remembering = ownRing();
      const rememberingStore = new SealedDataStore(inner, remembering.ring);
      await rememberingStore.set('key-a', record({ email: 'ada@example.com' }));
      remembering.dropKey();
      expect(await rememberingStore.get('key-a')).toMatchObject({ email: 'ada@example.com' });

      const forgetting = ownRing(0);
      const forgettingStore = new SealedDataStore(inner, forgetting.ring, (reason) => unreadable.push([reason, undefined]));
      await forgettingStore.set('key-b', record({ email: 'ada@example.com' }));
      forgetting.dropKey();
      expect(await forgettingStore.get('key-b')).toBeUndefined();
      expect(unreadable).toEqual([['unknown-key', undefined]]);
    });

    it('opens a value another writer stored under that key: the load gives the new data, not the remembered', async () => {
      const other = new SealedDataStore(inner, ring);
      await store.set('key-a', record({ n: 1 }));
      expect(await store.get('key-a')).toMatchObject({ n: 1 });
      await other.set('key-a', record({ n: 2 }));
      expect(await store.get('key-a')).toMatchObject({ n: 2 });
      expect(immediateStoreOf(store)!.get('key-a')).toMatchObject({ n: 2 });
    });

    it('authenticates a sealed value changed in the store, even one byte of the value it wrote', async () => {
      await store.set('key-a', record({ n: 1 }));
      const stored = (await inner.get('key-a'))!;
      const sealed = String(stored[SEALED_KEY]);
      // The ciphertext's first character: its six bits are all data (the last one's low bits can
      // be padding, which base64url decoding ignores: changing them changes no byte).
      const at = sealed.lastIndexOf('.') + 1;
      const flipped = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`;
      await inner.set('key-a', { ...stored, [SEALED_KEY]: flipped });
      expect(await store.get('key-a')).toBeUndefined();
      expect(unreadable).toEqual([['not-authentic', 'current']]);
    });

    it('forgets a session it destroys or takes: the same value stored again is decrypted', async () => {
      const own = ownRing();
      const ownStore = new SealedDataStore(inner, own.ring);
      await ownStore.set('destroyed', record({ n: 1 }));
      await ownStore.set('taken', record({ n: 2 }));
      const destroyedValue = (await inner.get('destroyed'))!;
      const takenValue = (await inner.get('taken'))!;
      await ownStore.destroy('destroyed');
      expect(await ownStore.take('taken')).toMatchObject({ n: 2 });
      own.dropKey();
      await inner.set('destroyed', destroyedValue);
      await inner.set('taken', takenValue);
      expect(await ownStore.get('destroyed')).toBeUndefined();
      expect(await ownStore.get('taken')).toBeUndefined();
    });

    it('does not remember what a listing of every session opened', async () => {
      const writer = new SealedDataStore(inner, ring);
      await writer.set('key-a', record({ n: 1 }));
      const own = ownRing();
      const ownStore = new SealedDataStore(inner, own.ring);
      expect(Object.keys(await ownStore.all())).toEqual(['key-a']);
      own.dropKey();
      expect(await ownStore.get('key-a')).toBeUndefined();
    });
  });

  describe('on a store that answers at once (the MemoryStore)', () => {
    it('answers at once too: the session sealed, opened, merged and touched without a promise', () => {
      const now = immediateStoreOf(store)!;
      expect(now).toBeDefined();
      expect(now.set('key-a', record({ email: 'ada@example.com', shared: 0 }))).toBe(true);
      expect(JSON.stringify(immediateStoreOf(inner)!.get('key-a'))).not.toContain('ada@example.com');
      const loaded = now.get('key-a')!;
      expect(loaded).toMatchObject({ email: 'ada@example.com', shared: 0 });
      expect(now.merge('key-a', { ...loaded, shared: 1 }, { ...changes({ shared: 1 }), baseRecord: loaded })).toBe(true);
      expect(now.touch('key-a', loaded)).toBe(true);
      expect(now.get('key-a')).toMatchObject({ email: 'ada@example.com', shared: 1 });
      expect(now.get('missing')).toBeUndefined();
      expect(now.merge('missing', record({ a: 1 }), changes({ a: 1 }))).toBe(false);
    });

    it("loads a request's session through the MemoryStore's getUsable: a stored cookie written from elsewhere is still checked", async () => {
      const now = immediateStoreOf(store)!;
      now.set('key-a', record({ userId: 'ada' }));
      expect(now.getUsable!('key-a')).toMatchObject({ userId: 'ada' });
      expect(now.getUsable!('missing')).toBeUndefined();
      // The same sealed data (it still opens) under a cookie no session has: written to the store inside, not from a session.
      const stored = immediateStoreOf(inner)!.get('key-a')!;
      await inner.set('key-a', { ...stored, cookie: { ...stored.cookie, expires: 'not a date' } as never });
      expect(now.getUsable!('key-a')).toBeUndefined();
      expect(now.get('key-a')).toBeUndefined();
      await inner.set('key-a', stored);
      expect(now.getUsable!('key-a')).toMatchObject({ userId: 'ada' });
    });

    it('a merge after another write to the session keeps that write: both requests\' keys land', () => {
      const now = immediateStoreOf(store)!;
      now.set('key-a', record({ shared: 0 }));
      const first = now.get('key-a')!;
      const second = now.get('key-a')!;
      expect(now.merge('key-a', { ...first, mine: 1 }, { ...changes({ mine: 1 }), baseRecord: first })).toBe(true);
      expect(now.merge('key-a', { ...second, theirs: 2 }, { ...changes({ theirs: 2 }), baseRecord: second })).toBe(true);
      expect(now.get('key-a')).toMatchObject({ shared: 0, mine: 1, theirs: 2 });
    });

    it('re-seals with the first key on the touch after a load of a record sealed with an older key', () => {
      immediateStoreOf(new SealedDataStore(inner, resolveEncryptionKeys({ keys: [RETIRED] })!))!.set('key-a', record({ userId: 'ada' }));
      const rotated = immediateStoreOf(new SealedDataStore(inner, resolveEncryptionKeys({ keys: [CURRENT, RETIRED] })!))!;
      expect(rotated.touch('key-a', rotated.get('key-a')!)).toBe(true);
      expect(String(immediateStoreOf(inner)!.get('key-a')![SEALED_KEY])).toMatch(/^v2\.current\./);
      expect(immediateStoreOf(store)!.get('key-a')).toMatchObject({ userId: 'ada' });
    });

    describe("by the MemoryStore's entries (getEntry, compareAndSetEntry)", () => {
      /** A store on a ring of its own, whose key a test can take away: then only what it remembers opens. */
      function rememberingStore(): { now: ReturnType<typeof immediateStoreOf> & object; dropKey: () => void } {
        const own = resolveEncryptionKeys({ keys: [CURRENT] })!;
        const sealedStore = new SealedDataStore(inner, own, (reason, keyId) => unreadable.push([reason, keyId]));
        return { now: immediateStoreOf(sealedStore)!, dropKey: () => (own.keysById as Map<string, Buffer>).delete(CURRENT.id) };
      }

      it("loads back a session's merge by the entry it wrote: nothing decrypted, the same record the async get gives", async () => {
        const { now, dropKey } = rememberingStore();
        now.set('key-a', sessionRecord({ n: 0 }));
        const loaded = now.getUsable!('key-a')!;
        expect(now.merge('key-a', sessionRecord({ n: 1, user: { id: 7 } }), { ...changes({ n: 1, user: { id: 7 } }), baseRecord: loaded })).toBe(true);
        const opened = await store.get('key-a');
        dropKey();
        const reloaded = now.getUsable!('key-a')!;
        expect(reloaded).toEqual(opened);
        expect(Object.keys(reloaded)).toEqual(['cookie', 'n', 'user']);
        expect(unreadable).toEqual([]);
        expect(JSON.stringify(immediateStoreOf(inner)!.get('key-a'))).not.toContain('"user"');
      });

      it("gives a loaded session's data JSON from the clear JSON it remembers; nothing for a record it did not load so", () => {
        const now = immediateStoreOf(store)!;
        now.set('key-a', sessionRecord({ n: 0 }));
        now.merge('key-a', sessionRecord({ n: 1, list: [1, 2] }), { ...changes({ n: 1, list: [1, 2] }), baseRecord: now.getUsable!('key-a')! });
        const loaded = now.getUsable!('key-a')!;
        expect(now.loadedDataJson!('key-a', loaded)).toBe('{"n":1,"list":[1,2]}');
        expect(now.loadedDataJson!('key-a', record({ n: 1 }))).toBeUndefined();
        now.merge('key-a', sessionRecord({}), { ...changes({}), deletedKeys: ['n', 'list'], baseRecord: loaded });
        expect(now.loadedDataJson!('key-a', now.getUsable!('key-a')!)).toBe('{}');
      });

      it("touches by the entry it knows: the request's cookie stored, the stored data kept, the next load still from memory", async () => {
        const { now, dropKey } = rememberingStore();
        now.set('key-a', sessionRecord({ n: 0 }));
        const loaded = now.getUsable!('key-a')!;
        now.merge('key-a', sessionRecord({ n: 1 }), { ...changes({ n: 1 }), baseRecord: loaded });
        const touching = sessionRecord({ n: 'not stored by a touch' }, 7_200_000);
        expect(now.touch('key-a', touching)).toBe(true);
        dropKey();
        const reloaded = now.getUsable!('key-a')!;
        expect(reloaded).toMatchObject({ n: 1, cookie: { originalMaxAge: 7_200_000 } });
        expect(immediateStoreOf(inner)!.get('key-a')!.cookie).toEqual(JSON.parse(JSON.stringify(touching.cookie)));
        expect(now.touch('missing', touching)).toBe(false);
      });

      it('opens an entry another writer stored, and a changed byte of its sealed value does not open (no session, reported)', async () => {
        const now = immediateStoreOf(store)!;
        const other = immediateStoreOf(new SealedDataStore(inner, ring))!;
        now.set('key-a', sessionRecord({ n: 1 }));
        now.merge('key-a', sessionRecord({ n: 2 }), { ...changes({ n: 2 }), baseRecord: now.getUsable!('key-a')! });
        other.set('key-a', sessionRecord({ n: 3 }));
        expect(now.getUsable!('key-a')).toMatchObject({ n: 3 });
        const stored = (await inner.get('key-a'))!;
        const sealed = String(stored[SEALED_KEY]);
        const at = sealed.lastIndexOf('.') + 1;
        await inner.set('key-a', { ...stored, [SEALED_KEY]: `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}` });
        expect(now.getUsable!('key-a')).toBeUndefined();
        expect(unreadable).toEqual([['not-authentic', 'current']]);
      });

      it('checks at its next load a record not made from a session: written with a cookie no session has, it is no session', () => {
        const now = immediateStoreOf(store)!;
        now.set('key-a', sessionRecord({ n: 0 }));
        const broken = { cookie: { expires: 'not a date' }, n: 1 } as unknown as SessionRecord;
        expect(now.merge('key-a', broken, { ...changes({ n: 1 }), baseRecord: now.getUsable!('key-a')! })).toBe(true);
        expect(now.getUsable!('key-a')).toBeUndefined();
        expect(now.get('key-a')).toBeUndefined();
      });

      it('two requests of one session loaded together both land: the second merge finds the first and merges again', () => {
        const now = immediateStoreOf(store)!;
        now.set('key-a', sessionRecord({ shared: 0 }));
        const first = now.getUsable!('key-a')!;
        const second = now.getUsable!('key-a')!;
        expect(now.merge('key-a', sessionRecord({ shared: 0, mine: 1 }), { ...changes({ mine: 1 }), baseRecord: first })).toBe(true);
        expect(now.merge('key-a', sessionRecord({ shared: 0, theirs: 2 }), { ...changes({ theirs: 2 }), baseRecord: second })).toBe(true);
        expect(now.getUsable!('key-a')).toMatchObject({ shared: 0, mine: 1, theirs: 2 });
        expect(now.merge('missing', sessionRecord({}), { ...changes({}), baseRecord: first })).toBe(false);
      });
    });

    it('goes through the async methods once the store inside stops answering at once (a method replaced to hold calls)', () => {
      inner.get = async () => undefined;
      expect(immediateStoreOf(store)).toBeUndefined();
    });
  });

  it('follows the store inside: its connection events and state; optional methods only when it has them', async () => {
    const events: string[] = [];
    store.on('disconnect', () => events.push('disconnect'));
    store.on('connect', () => events.push('connect'));
    inner.emit('disconnect');
    inner.emit('connect');
    expect(events).toEqual(['disconnect', 'connect']);
    expect(store.isConnected).toBe(true);
    const callbackStore = new CallbackStoreAdapter(new expressSession.MemoryStore() as unknown as CallbackSessionStore);
    const sealedCallbackStore = new SealedDataStore(callbackStore, ring);
    expect(sealedCallbackStore.merge).toBeUndefined();
    expect(sealedCallbackStore.takeFlashMessages).toBeUndefined();
    expect(sealedCallbackStore.ownerSessionIds).toBeUndefined();
    expect(sealedCallbackStore.canCompareAndSet).toBe(false);
    expect(typeof store.merge).toBe('function');
  });
});

describe('SessionManager with the encryption option', () => {
  const key = randomBytes(32);

  function managerOn(storeOf: () => ConstructorParameters<typeof SessionManager>[1]) {
    const warnings: string[] = [];
    const options = resolveSessionOptions({ secret: TEST_SECRET, encryption: { keys: [{ id: 'k', key: key.toString('base64') }] } }, (message) => warnings.push(message));
    return { manager: new SessionManager(options, storeOf()), warnings };
  }

  it('warns once at start-up, naming compareAndSet, when the store has none', () => {
    const { warnings } = managerOn(() => new CallbackStoreAdapter(new expressSession.MemoryStore() as unknown as CallbackSessionStore));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('compareAndSet');
  });

  it('says nothing at start-up on a store with compareAndSet', () => {
    expect(managerOn(() => new MemoryStore({ checkPeriod: 0 })).warnings).toEqual([]);
  });

  it('warns once per key id about sessions that do not open, never with a key or a storage key', async () => {
    const inner = new MemoryStore({ checkPeriod: 0 });
    const { manager, warnings } = managerOn(() => inner);
    const retiredRing = resolveEncryptionKeys({ keys: [{ id: 'retired', key: randomBytes(32) }] })!;
    for (const storageKey of ['first-storage-key', 'second-storage-key']) {
      await inner.set(storageKey, sealRecord(retiredRing, storageKey, record({ a: 1 })));
      expect(await manager.store.get(storageKey)).toBeUndefined();
    }
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('"retired"');
    for (const secret of ['first-storage-key', 'second-storage-key', key.toString('base64'), key.toString('hex')]) expect(warnings[0]).not.toContain(secret);
  });
});
