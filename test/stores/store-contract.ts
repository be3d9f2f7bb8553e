import { randomUUID } from 'node:crypto';
import type { SessionChanges } from '../../lib/core/session/session-changes.js';
import type { SessionRecord, SessionStore } from '../../lib/core/store/session-store.js';
import { FLASH_KEY } from '../../lib/core/session/flash.js';
import { sleep } from '../support/redis-server.js';

/**
 * What a store may or may not do beyond the required get/set/destroy (see SessionStore's doc
 * comments). Each store states its set; the suite checks the statement against the store, so a
 * missing capability shows in the spec line instead of in a silently skipped block.
 */
export type StoreCapability =
  /** `set` honours `mode` ('create' / 'update') and resolves to `false` when it refused. */
  | 'writeModes'
  /** `touch`: extends the session's life, keeps its data, never creates it. */
  | 'touch'
  /** `touch` of a missing session resolves to `false` (not "cannot tell"). */
  | 'touchReportsMissing'
  /** `merge`: writes the request's record over a stored session only (`false` when it is gone). */
  | 'merge'
  /** `merge` applies only the request's changes: keys other requests wrote meanwhile stay (without it the last save wins). */
  | 'mergeKeepsOthersKeys'
  /** `compareAndSet`: a whole-record write only while the stored value is the one `get` read. */
  | 'compareAndSet'
  /** `take`: remove-and-read in one atomic step. */
  | 'take'
  /** `takeFlashMessages` answers ids (not "cannot" for every session): flash messages removed by id, atomically. */
  | 'takeFlashMessages'
  /** `ownerSessionIds` and `removeFromOwnerIndex`. */
  | 'ownerIndex'
  /** The owner index follows owner changes and destroys at once (no stale entries for callers to prune). */
  | 'exactOwnerIndex'
  | 'all'
  | 'ids'
  | 'length'
  | 'clear';

/** How to get a store for one test, and what to undo afterwards. */
export interface StoreContractSubject {
  /** Shown in the test names. */
  readonly name: string;
  /** Starts what every store of the suite needs (a server, a client); once per suite. */
  setUp?(): Promise<void>;
  tearDown?(): Promise<void>;
  /** A new store that holds nothing of other tests. */
  newStore(): Promise<SessionStore>;
  /** Removes what the test wrote through `store`, and releases the store. */
  cleanUp(store: SessionStore): Promise<void>;
  /**
   * Moves the clock the store expires sessions by. Without it (a server's clock) the suite waits
   * in real time for short-lived sessions to lapse.
   */
  advanceClock?(milliseconds: number): void;
}

const ONE_HOUR_MS = 60 * 60 * 1000;
/**
 * A short lifetime every store keeps long enough to be read, touched or merged right away:
 * MySQL's `expires` and Redis' TTLs are whole seconds, so a session written just before a
 * second ticks over still has at least one second.
 */
const SHORT_LIFETIME_MS = 2_000;
/** How long a real-time wait for a lapse may take before the test gives up. */
const LAPSE_LIMIT_MS = 10_000;

/** A session record as the core hands it to stores (cookie first, `expires` a Date). */
export function contractRecord(data: Record<string, unknown> = {}, lifetimeMs: number = ONE_HOUR_MS): SessionRecord {
  return {
    cookie: { originalMaxAge: lifetimeMs, expires: new Date(Date.now() + lifetimeMs), httpOnly: true, path: '/', sameSite: 'lax' },
    ...data,
  };
}

/** What a store that keeps JSON gives back for `record`. */
function asStored(record: SessionRecord): SessionRecord {
  return JSON.parse(JSON.stringify(record)) as SessionRecord;
}

/** Changes of one request, as `merge` receives them (no base record: something was written since). */
function changesOf(setValues: Record<string, unknown>, deletedKeys: string[] = [], flash?: SessionChanges['flash']): SessionChanges {
  const setKeys = new Map(Object.entries(setValues).map(([key, value]) => [key, JSON.stringify(value)]));
  return flash ? { setKeys, deletedKeys, flash } : { setKeys, deletedKeys };
}

/** A session id no other test uses. */
function newSessionId(): string {
  return `contract-${randomUUID()}`;
}

/** The capabilities `store` shows: its optional methods, and probes of the behaviours. */
async function shownCapabilities(store: SessionStore): Promise<StoreCapability[]> {
  const shown = new Set<StoreCapability>();
  for (const method of ['touch', 'merge', 'compareAndSet', 'take', 'all', 'ids', 'length', 'clear'] as const) {
    if (typeof store[method] === 'function') shown.add(method);
  }
  if (typeof store.ownerSessionIds === 'function' && typeof store.removeFromOwnerIndex === 'function') shown.add('ownerIndex');

  const missingId = newSessionId();
  const refused = await store.set(missingId, contractRecord(), { mode: 'update' });
  if (refused === false && !(await store.get(missingId))) shown.add('writeModes');
  if (shown.has('touch') && (await store.touch!(newSessionId(), contractRecord())) === false) shown.add('touchReportsMissing');
  if (shown.has('ownerIndex') && (await hasExactOwnerIndex(store))) shown.add('exactOwnerIndex');
  if (shown.has('merge') && (await mergeKeepsOthersKeys(store))) shown.add('mergeKeepsOthersKeys');
  if (typeof store.takeFlashMessages === 'function' && (await takesFlashMessages(store))) shown.add('takeFlashMessages');
  return [...shown].sort();
}

async function mergeKeepsOthersKeys(store: SessionStore): Promise<boolean> {
  const sessionId = newSessionId();
  await store.set(sessionId, contractRecord({ theirs: 1 }));
  await store.merge!(sessionId, contractRecord({ mine: 1 }), changesOf({ mine: 1 }));
  return (await store.get(sessionId))?.theirs === 1;
}

async function takesFlashMessages(store: SessionStore): Promise<boolean> {
  const sessionId = newSessionId();
  await store.set(sessionId, contractRecord({ [FLASH_KEY]: { m1: { key: 'info', value: 'probe' } } }));
  return Array.isArray(await store.takeFlashMessages!(sessionId, ['m1']));
}

async function hasExactOwnerIndex(store: SessionStore): Promise<boolean> {
  const sessionId = newSessionId();
  const [firstOwner, secondOwner] = [`owner-${randomUUID()}`, `owner-${randomUUID()}`];
  await store.set(sessionId, contractRecord(), { owner: firstOwner });
  await store.set(sessionId, contractRecord(), { owner: secondOwner });
  const isMoved = !(await store.ownerSessionIds!(firstOwner)).includes(sessionId);
  await store.destroy(sessionId);
  return isMoved && !(await store.ownerSessionIds!(secondOwner)).includes(sessionId);
}

/**
 * Declares the store contract's tests for `subject`'s stores: the rules every store keeps, and
 * one block per capability, run when `capabilities` lists it (and checked to be the store's).
 */
export function describeStoreContract(subject: StoreContractSubject, capabilities: readonly StoreCapability[]): void {
  const has = (capability: StoreCapability) => capabilities.includes(capability);
  /** Declares the test only for stores with `capability`: the capability test shows which are left out. */
  const itWith = (capability: StoreCapability) => (name: string, test: () => Promise<void>) => {
    if (has(capability)) it(name, test);
  };
  let store: SessionStore;

  /** Lets `lifetimeMs` pass for the store: its clock, or a real-time wait until `shortLivedId` is gone. */
  async function letLapse(shortLivedId: string, lifetimeMs: number): Promise<void> {
    if (subject.advanceClock) {
      subject.advanceClock(lifetimeMs);
      return;
    }
    const deadline = Date.now() + lifetimeMs + LAPSE_LIMIT_MS;
    while (await store.get(shortLivedId)) {
      if (Date.now() > deadline) throw new Error(`the session set to live ${lifetimeMs} ms is still there`);
      await sleep(50);
    }
  }

  describe(`store contract: ${subject.name}`, () => {
    beforeAll(async () => subject.setUp?.());
    afterAll(async () => subject.tearDown?.());
    beforeEach(async () => {
      store = await subject.newStore();
    });
    afterEach(async () => subject.cleanUp(store));

    it(`has exactly the capabilities ${JSON.stringify([...capabilities].sort())}`, async () => {
      expect(await shownCapabilities(store)).toEqual([...capabilities].sort());
    });

    describe('every store', () => {
      it('answers nothing (null or undefined) for an id it never stored', async () => {
        expect(await store.get(newSessionId())).toBeFalsy();
      });

      it('gives back what was set: the cookie with its expiry, and nested data, as JSON', async () => {
        const sessionId = newSessionId();
        const record = contractRecord({
          userId: 'user-1',
          cart: { items: [{ sku: 'a', quantity: 2 }, { sku: 'b', quantity: 1, notes: null }], total: 12.5 },
          flags: [true, false],
          greeting: 'héllo, 世界 "quoted" \\ ;=',
          emptyObject: {},
        });
        await store.set(sessionId, record);
        expect(await store.get(sessionId)).toEqual(asStored(record));
      });

      it('keeps its own copy: changing the object set or the object read changes nothing stored', async () => {
        const sessionId = newSessionId();
        const record = contractRecord({ cart: ['a'] });
        await store.set(sessionId, record);
        (record.cart as string[]).push('changed after set');
        const read = (await store.get(sessionId))!;
        (read.cart as string[]).push('changed after get');
        expect((await store.get(sessionId))!.cart).toEqual(['a']);
      });

      it('replaces the whole record on a second set (keys left out are gone)', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ first: 1, kept: 'old' }));
        const second = contractRecord({ kept: 'new' });
        await store.set(sessionId, second);
        expect(await store.get(sessionId)).toEqual(asStored(second));
      });

      it('keeps sessions apart: writing or destroying one leaves another as it was', async () => {
        const [oneId, otherId] = [newSessionId(), newSessionId()];
        const other = contractRecord({ who: 'other' });
        await store.set(otherId, other);
        await store.set(oneId, contractRecord({ who: 'one' }));
        await store.destroy(oneId);
        expect(await store.get(otherId)).toEqual(asStored(other));
      });

      it('destroys a session; destroying it again, or an id never stored, is not an error', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord());
        await store.destroy(sessionId);
        expect(await store.get(sessionId)).toBeFalsy();
        await expect(store.destroy(sessionId)).resolves.toBeUndefined();
        await expect(store.destroy(newSessionId())).resolves.toBeUndefined();
      });

      it('does not return a session whose cookie had already expired when it was set', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({}, -SHORT_LIFETIME_MS));
        expect(await store.get(sessionId)).toBeFalsy();
      });

      it('removes a stored session when it is set again with a cookie that has expired', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord());
        await store.set(sessionId, contractRecord({}, -SHORT_LIFETIME_MS));
        expect(await store.get(sessionId)).toBeFalsy();
      });

      it('keeps ids of any characters a genid may give apart, and data of any characters', async () => {
        const suffixes = [' space;semicolon=equals"quote', 'é世界\u2028line separator', 'glob*?[chars]\\', 'x'.repeat(200)];
        const sessions = suffixes.map((suffix, index) => [newSessionId() + suffix, contractRecord({ index, text: suffix })] as const);
        for (const [sessionId, record] of sessions) await store.set(sessionId, record);
        for (const [sessionId, record] of sessions) expect(await store.get(sessionId)).toEqual(asStored(record));
        if (has('ids')) expect((await store.ids!()).sort()).toEqual(sessions.map(([sessionId]) => sessionId).sort());
      });

      it("stops returning a session once its cookie's expiry has passed, and only that one", async () => {
        const [shortLivedId, longLivedId] = [newSessionId(), newSessionId()];
        const longLived = contractRecord({ lives: 'long' });
        await store.set(longLivedId, longLived);
        await store.set(shortLivedId, contractRecord({ lives: 'short' }, SHORT_LIFETIME_MS));
        await letLapse(shortLivedId, SHORT_LIFETIME_MS);
        expect(await store.get(shortLivedId)).toBeFalsy();
        expect(await store.get(longLivedId)).toEqual(asStored(longLived));
      });

      it('treats a session whose expiry has passed as not stored, in every method it has', async () => {
        const lapsed = { touched: newSessionId(), merged: newSessionId(), taken: newSessionId(), flashed: newSessionId(), updated: newSessionId(), created: newSessionId() };
        const owner = `owner-${randomUUID()}`;
        for (const sessionId of Object.values(lapsed)) {
          await store.set(sessionId, contractRecord({ [FLASH_KEY]: { m1: { key: 'info', value: 'lapsed' } } }, SHORT_LIFETIME_MS), { owner });
        }
        await letLapse(lapsed.created, SHORT_LIFETIME_MS);

        const touched = await store.touch?.(lapsed.touched, contractRecord());
        if (has('touchReportsMissing')) expect(touched).toBe(false);
        if (has('merge')) expect(await store.merge!(lapsed.merged, contractRecord({ late: true }), changesOf({ late: true }))).toBe(false);
        if (has('take')) expect(await store.take!(lapsed.taken)).toBeFalsy();
        if (has('takeFlashMessages')) expect(await store.takeFlashMessages!(lapsed.flashed, ['m1'])).toEqual([]);
        if (has('writeModes')) {
          expect(await store.set(lapsed.updated, contractRecord({ late: true }), { mode: 'update' })).toBe(false);
          // The id is free again: a new session may take it.
          expect(await store.set(lapsed.created, contractRecord({ fresh: true }), { mode: 'create' })).toBe(true);
          expect(await store.get(lapsed.created)).toMatchObject({ fresh: true });
        }
        for (const sessionId of [lapsed.touched, lapsed.merged, lapsed.taken, lapsed.flashed, lapsed.updated]) {
          expect(await store.get(sessionId)).toBeFalsy();
        }
        if (has('exactOwnerIndex')) expect((await store.ownerSessionIds!(owner)).filter((sessionId) => sessionId !== lapsed.created)).toEqual([]);
      });
    });

    describe('write modes', () => {
      itWith('writeModes')("'create' writes a new id and refuses (false) an id already stored, which stays as it was", async () => {
        const sessionId = newSessionId();
        const first = contractRecord({ version: 1 });
        expect(await store.set(sessionId, first, { mode: 'create' })).toBe(true);
        expect(await store.set(sessionId, contractRecord({ version: 2 }), { mode: 'create' })).toBe(false);
        expect(await store.get(sessionId)).toEqual(asStored(first));
      });

      itWith('writeModes')("'update' refuses (false) an id not stored, without creating it: a late write cannot bring back a destroyed session", async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ version: 1 }));
        await store.destroy(sessionId);
        expect(await store.set(sessionId, contractRecord({ version: 2 }), { mode: 'update' })).toBe(false);
        expect(await store.get(sessionId)).toBeFalsy();
      });

      itWith('writeModes')("'update' replaces a stored session", async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ version: 1 }), { mode: 'create' });
        const second = contractRecord({ version: 2 });
        expect(await store.set(sessionId, second, { mode: 'update' })).toBe(true);
        expect(await store.get(sessionId)).toEqual(asStored(second));
      });

      itWith('writeModes')('keeps to the mode with a cookie that has expired: a refused write removes nothing, and answers false', async () => {
        const [storedId, missingId] = [newSessionId(), newSessionId()];
        const stored = contractRecord({ version: 1 });
        await store.set(storedId, stored);
        expect(await store.set(storedId, contractRecord({ version: 2 }, -SHORT_LIFETIME_MS), { mode: 'create' })).toBe(false);
        expect(await store.get(storedId)).toEqual(asStored(stored));
        expect(await store.set(missingId, contractRecord({}, -SHORT_LIFETIME_MS), { mode: 'update' })).toBe(false);
        expect(await store.set(storedId, contractRecord({ version: 2 }, -SHORT_LIFETIME_MS), { mode: 'update' })).toBe(true);
        expect(await store.get(storedId)).toBeFalsy();
      });

      itWith('writeModes')("'upsert' (and no mode) writes whether or not the id is stored", async () => {
        const [upsertId, noModeId] = [newSessionId(), newSessionId()];
        expect(await store.set(upsertId, contractRecord({ version: 1 }), { mode: 'upsert' })).toBe(true);
        expect(await store.set(upsertId, contractRecord({ version: 2 }), { mode: 'upsert' })).toBe(true);
        expect(await store.set(noModeId, contractRecord({ version: 1 }))).toBe(true);
        expect(await store.set(noModeId, contractRecord({ version: 2 }))).toBe(true);
        expect((await store.get(upsertId))!.version).toBe(2);
        expect((await store.get(noModeId))!.version).toBe(2);
      });
    });

    describe('touch', () => {
      itWith('touch')('never creates a session: touching an id not stored (or destroyed) leaves it absent', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord());
        await store.destroy(sessionId);
        const answer = await store.touch!(sessionId, contractRecord({ revived: true }));
        expect(answer === false || answer === undefined).toBe(true);
        expect(await store.get(sessionId)).toBeFalsy();
      });

      itWith('touchReportsMissing')('resolves to false for a session not stored, and not to false for one stored', async () => {
        const sessionId = newSessionId();
        expect(await store.touch!(sessionId, contractRecord())).toBe(false);
        await store.set(sessionId, contractRecord());
        expect(await store.touch!(sessionId, contractRecord())).not.toBe(false);
      });

      itWith('touch')('removes a stored session when touched with a cookie that has expired', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord());
        await store.touch!(sessionId, contractRecord({}, -SHORT_LIFETIME_MS));
        expect(await store.get(sessionId)).toBeFalsy();
      });

      itWith('touch')('extends the life of a stored session to the new cookie expiry, keeping its data', async () => {
        const [touchedId, untouchedId] = [newSessionId(), newSessionId()];
        await store.set(touchedId, contractRecord({ data: 'as stored' }, SHORT_LIFETIME_MS));
        await store.set(untouchedId, contractRecord({}, SHORT_LIFETIME_MS));
        await store.touch!(touchedId, contractRecord({ data: 'not written by touch' }));
        await letLapse(untouchedId, SHORT_LIFETIME_MS);
        expect(await store.get(untouchedId)).toBeFalsy();
        expect((await store.get(touchedId))?.data).toBe('as stored');
      });
    });

    describe('merge', () => {
      itWith('mergeKeepsOthersKeys')("applies one request's set and deleted keys, keeps keys others wrote meanwhile, and takes the request's cookie", async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ kept: 1, changed: 1, removed: 1 }));
        // Another request wrote `othersKey` after this one read the session.
        await store.merge!(sessionId, contractRecord({ kept: 1, changed: 1, removed: 1, othersKey: 'theirs' }), changesOf({ othersKey: 'theirs' }));
        const requestRecord = contractRecord({ kept: 'stale view', changed: { nested: [2] }, added: [] }, 2 * ONE_HOUR_MS);
        const changes = changesOf({ changed: { nested: [2] }, added: [] }, ['removed']);
        expect(await store.merge!(sessionId, requestRecord, changes)).toBe(true);
        expect(await store.get(sessionId)).toEqual(
          asStored({ cookie: requestRecord.cookie, kept: 1, changed: { nested: [2] }, othersKey: 'theirs', added: [] }),
        );
      });

      itWith('merge')('given the record it read and nothing written since, stores the request\'s record', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ a: 1 }));
        const read = (await store.get(sessionId))!;
        const requestRecord = { ...read, b: 2 };
        expect(await store.merge!(sessionId, requestRecord, { ...changesOf({ b: 2 }), baseRecord: read, baseDataJson: '{"a":1}' })).toBe(true);
        expect(await store.get(sessionId)).toEqual(asStored(requestRecord));
      });

      itWith('mergeKeepsOthersKeys')('keeps the changes of both of two overlapping merges of one session', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ shared: 0 }));
        await Promise.all([
          store.merge!(sessionId, contractRecord({ shared: 0, first: 1 }), changesOf({ first: 1 })),
          store.merge!(sessionId, contractRecord({ shared: 0, second: 2 }), changesOf({ second: 2 })),
        ]);
        expect(await store.get(sessionId)).toMatchObject({ shared: 0, first: 1, second: 2 });
      });

      itWith('merge')("extends the session's life to the merged cookie's expiry", async () => {
        const [mergedId, untouchedId] = [newSessionId(), newSessionId()];
        await store.set(mergedId, contractRecord({}, SHORT_LIFETIME_MS));
        await store.set(untouchedId, contractRecord({}, SHORT_LIFETIME_MS));
        await store.merge!(mergedId, contractRecord({ saved: true }), changesOf({ saved: true }));
        await letLapse(untouchedId, SHORT_LIFETIME_MS);
        expect(await store.get(untouchedId)).toBeFalsy();
        expect(await store.get(mergedId)).toMatchObject({ saved: true });
      });

      itWith('merge')('resolves to false and writes nothing for a session not stored (destroyed meanwhile)', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord());
        await store.destroy(sessionId);
        expect(await store.merge!(sessionId, contractRecord({ late: true }), changesOf({ late: true }))).toBe(false);
        expect(await store.get(sessionId)).toBeFalsy();
      });

      itWith('merge')('with a cookie that has expired, removes a stored session, and answers false for one not stored', async () => {
        const [storedId, missingId] = [newSessionId(), newSessionId()];
        await store.set(storedId, contractRecord());
        expect(await store.merge!(storedId, contractRecord({ late: true }, -SHORT_LIFETIME_MS), changesOf({ late: true }))).toBe(true);
        expect(await store.get(storedId)).toBeFalsy();
        expect(await store.merge!(missingId, contractRecord({ late: true }, -SHORT_LIFETIME_MS), changesOf({ late: true }))).toBe(false);
      });
    });

    describe('compareAndSet', () => {
      itWith('compareAndSet')('writes the record whole while the stored value is still the one read', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ a: 1 }));
        const read = (await store.get(sessionId))!;
        const next = contractRecord({ b: 2 });
        expect(await store.compareAndSet!(sessionId, read, next)).toBe('written');
        expect(await store.get(sessionId)).toEqual(asStored(next));
      });

      itWith('compareAndSet')('writes nothing and answers changed when another write came between, whatever it wrote', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ a: 1 }));
        const read = (await store.get(sessionId))!;
        const between = contractRecord({ a: 'another request' });
        await store.set(sessionId, between);
        expect(await store.compareAndSet!(sessionId, read, contractRecord({ a: 'late' }))).toBe('changed');
        expect(await store.get(sessionId)).toEqual(asStored(between));
      });

      itWith('compareAndSet')('of two writers that read the same value, only the first writes', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ n: 0 }));
        const [firstRead, secondRead] = [(await store.get(sessionId))!, (await store.get(sessionId))!];
        expect(await store.compareAndSet!(sessionId, firstRead, contractRecord({ n: 1 }))).toBe('written');
        expect(await store.compareAndSet!(sessionId, secondRead, contractRecord({ n: 2 }))).toBe('changed');
        expect((await store.get(sessionId))?.n).toBe(1);
      });

      itWith('compareAndSet')('answers gone and writes nothing for a session destroyed since it was read', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ a: 1 }));
        const read = (await store.get(sessionId))!;
        await store.destroy(sessionId);
        expect(await store.compareAndSet!(sessionId, read, contractRecord({ a: 'late' }))).toBe('gone');
        expect(await store.get(sessionId)).toBeFalsy();
      });

      itWith('compareAndSet')("extends the session's life to the written cookie's expiry", async () => {
        const [writtenId, untouchedId] = [newSessionId(), newSessionId()];
        await store.set(writtenId, contractRecord({}, SHORT_LIFETIME_MS));
        await store.set(untouchedId, contractRecord({}, SHORT_LIFETIME_MS));
        const read = await store.get(writtenId);
        expect(read).toBeDefined();
        expect(await store.compareAndSet!(writtenId, read!, contractRecord({ saved: true }))).toBe('written');
        await letLapse(untouchedId, SHORT_LIFETIME_MS);
        expect(await store.get(writtenId)).toMatchObject({ saved: true });
      });
    });

    describe('take', () => {
      itWith('take')('removes the session and resolves to what was stored; then to nothing', async () => {
        const sessionId = newSessionId();
        const record = contractRecord({ cart: { items: ['a'] } });
        await store.set(sessionId, record);
        expect(await store.take!(sessionId)).toEqual(asStored(record));
        expect(await store.get(sessionId)).toBeFalsy();
        expect(await store.take!(sessionId)).toBeFalsy();
        expect(await store.take!(newSessionId())).toBeFalsy();
      });

      itWith('take')('gives the session to only one of two overlapping takes', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ once: true }));
        const taken = await Promise.all([store.take!(sessionId), store.take!(sessionId)]);
        expect(taken.filter(Boolean)).toHaveLength(1);
      });
    });

    describe('flash messages', () => {
      const message = (key: string, value: unknown) => ({ key, value });

      itWith('takeFlashMessages')('removes the messages asked for that are there, resolves to their ids, and keeps the rest', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ userId: 'u', [FLASH_KEY]: { m1: message('info', 'one'), m2: message('info', { n: 2 }) } }));
        expect(await store.takeFlashMessages!(sessionId, ['m1', 'never-flashed'])).toEqual(['m1']);
        expect(await store.get(sessionId)).toMatchObject({ userId: 'u', [FLASH_KEY]: { m2: message('info', { n: 2 }) } });
        expect((await store.get(sessionId))![FLASH_KEY]).not.toHaveProperty('m1');
        expect(await store.takeFlashMessages!(sessionId, ['m1'])).toEqual([]);
      });

      itWith('takeFlashMessages')('resolves to no ids for a session not stored (without creating it), or one without messages', async () => {
        const [missingId, withoutMessagesId] = [newSessionId(), newSessionId()];
        expect(await store.takeFlashMessages!(missingId, ['m1'])).toEqual([]);
        expect(await store.get(missingId)).toBeFalsy();
        const withoutMessages = contractRecord({ userId: 'u' });
        await store.set(withoutMessagesId, withoutMessages);
        expect(await store.takeFlashMessages!(withoutMessagesId, ['m1'])).toEqual([]);
        expect(await store.get(withoutMessagesId)).toEqual(asStored(withoutMessages));
      });

      itWith('takeFlashMessages')('gives a message to only one of two overlapping takes', async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ [FLASH_KEY]: { m1: message('info', 'once') } }));
        const taken = await Promise.all([store.takeFlashMessages!(sessionId, ['m1']), store.takeFlashMessages!(sessionId, ['m1'])]);
        expect(taken.flat()).toEqual(['m1']);
      });

      itWith('takeFlashMessages')("merge adds and removes messages one by one, keeping messages other requests flashed", async () => {
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord({ [FLASH_KEY]: { mine: message('info', 'read'), theirs: message('info', 'flashed meanwhile') } }));
        const requestRecord = contractRecord({ [FLASH_KEY]: { added: message('info', 'new') } });
        const flash = { added: new Map([['added', JSON.stringify(message('info', 'new'))]]), removed: ['mine'] };
        expect(await store.merge!(sessionId, requestRecord, changesOf({ [FLASH_KEY]: requestRecord[FLASH_KEY] }, [], flash))).toBe(true);
        expect((await store.get(sessionId))![FLASH_KEY]).toEqual({ theirs: message('info', 'flashed meanwhile'), added: message('info', 'new') });
      });
    });

    describe('owner index', () => {
      /** Owner ids with the characters user ids have (separators, non-ASCII). */
      const newOwner = () => `user:${randomUUID()}:é 1`;
      /** What `UserSessions` makes of a listing: the ids still stored. */
      const liveIdsOf = async (ownerId: string) => {
        const listed = await store.ownerSessionIds!(ownerId);
        const isLive = await Promise.all(listed.map(async (sessionId) => Boolean(await store.get(sessionId))));
        return listed.filter((_, index) => isLive[index]).sort();
      };

      itWith('ownerIndex')("lists the sessions set with an owner under that owner only; `undefined` leaves the index as it is", async () => {
        const [owner, otherOwner] = [newOwner(), newOwner()];
        const [firstId, secondId, othersId, anonymousId] = [newSessionId(), newSessionId(), newSessionId(), newSessionId()];
        await store.set(firstId, contractRecord(), { owner });
        await store.set(secondId, contractRecord(), { owner, mode: 'upsert' });
        await store.set(othersId, contractRecord(), { owner: otherOwner });
        await store.set(anonymousId, contractRecord(), { owner: null });
        await store.set(firstId, contractRecord({ saved: 'again' }));
        expect((await store.ownerSessionIds!(owner)).sort()).toEqual([firstId, secondId].sort());
        expect(await store.ownerSessionIds!(otherOwner)).toEqual([othersId]);
        expect(await store.ownerSessionIds!(newOwner())).toEqual([]);
      });

      itWith('ownerIndex')('moves a session to its new owner (set or merge); a stale entry left under the old owner goes with removeFromOwnerIndex', async () => {
        const [oldOwner, newerOwner, mergedOwner] = [newOwner(), newOwner(), newOwner()];
        const sessionId = newSessionId();
        await store.set(sessionId, contractRecord(), { owner: oldOwner });
        await store.set(sessionId, contractRecord(), { owner: newerOwner, mode: 'update' });
        expect(await store.ownerSessionIds!(newerOwner)).toEqual([sessionId]);
        await store.removeFromOwnerIndex!(oldOwner, [sessionId]);
        expect(await store.ownerSessionIds!(oldOwner)).toEqual([]);
        if (has('merge')) {
          await store.merge!(sessionId, contractRecord({ moved: true }), changesOf({ moved: true }), { owner: mergedOwner });
          expect(await store.ownerSessionIds!(mergedOwner)).toEqual([sessionId]);
        }
      });

      itWith('ownerIndex')("removeFromOwnerIndex takes entries out of that owner's index only", async () => {
        const [owner, otherOwner] = [newOwner(), newOwner()];
        const [removedId, keptId, othersId] = [newSessionId(), newSessionId(), newSessionId()];
        await store.set(removedId, contractRecord(), { owner });
        await store.set(keptId, contractRecord(), { owner });
        await store.set(othersId, contractRecord(), { owner: otherOwner });
        await store.removeFromOwnerIndex!(owner, [removedId, othersId]);
        expect(await store.ownerSessionIds!(owner)).toEqual([keptId]);
        expect(await store.ownerSessionIds!(otherOwner)).toEqual([othersId]);
        expect(await store.get(removedId)).toBeTruthy();
      });

      itWith('ownerIndex')('after a destroy, or `owner: null`, the session is no longer among the live sessions listed', async () => {
        const owner = newOwner();
        const [destroyedId, disownedId, keptId] = [newSessionId(), newSessionId(), newSessionId()];
        for (const sessionId of [destroyedId, disownedId, keptId]) await store.set(sessionId, contractRecord(), { owner });
        await store.destroy(destroyedId);
        expect(await liveIdsOf(owner)).toEqual([disownedId, keptId].sort());
        await store.set(disownedId, contractRecord(), { owner: null });
        if (has('exactOwnerIndex')) expect((await store.ownerSessionIds!(owner)).sort()).toEqual([keptId]);
      });

      itWith('exactOwnerIndex')('drops index entries at once on destroy, take, owner change and `owner: null`', async () => {
        const [owner, otherOwner] = [newOwner(), newOwner()];
        const [destroyedId, takenId, movedId, disownedId] = [newSessionId(), newSessionId(), newSessionId(), newSessionId()];
        for (const sessionId of [destroyedId, takenId, movedId, disownedId]) await store.set(sessionId, contractRecord(), { owner });
        await store.destroy(destroyedId);
        await store.take?.(takenId);
        await store.set(movedId, contractRecord(), { owner: otherOwner });
        await store.set(disownedId, contractRecord(), { owner: null });
        expect(await store.ownerSessionIds!(owner)).toEqual(has('take') ? [] : [takenId]);
      });
    });

    describe('listing', () => {
      /** Two sessions (with an owner where the store indexes them: its index is not listed), and one already expired. */
      async function storeTwoSessions(): Promise<Record<string, SessionRecord>> {
        const sessions = { [newSessionId()]: contractRecord({ n: 1 }), [newSessionId()]: contractRecord({ n: 2, nested: { a: [1] } }) };
        const owner = has('ownerIndex') ? `user:${randomUUID()}` : undefined;
        for (const [sessionId, record] of Object.entries(sessions)) await store.set(sessionId, record, { owner });
        await store.set(newSessionId(), contractRecord({ expired: true }, -SHORT_LIFETIME_MS));
        return sessions;
      }

      itWith('all')('all() gives every live session keyed by id', async () => {
        const sessions = await storeTwoSessions();
        expect(await store.all!()).toEqual(Object.fromEntries(Object.entries(sessions).map(([id, record]) => [id, asStored(record)])));
      });

      itWith('ids')('ids() gives the id of every live session', async () => {
        const sessions = await storeTwoSessions();
        expect((await store.ids!()).sort()).toEqual(Object.keys(sessions).sort());
      });

      itWith('length')('length() counts the live sessions', async () => {
        await storeTwoSessions();
        expect(await store.length!()).toBe(2);
      });

      itWith('clear')('clear() removes every session', async () => {
        const sessions = await storeTwoSessions();
        await store.clear!();
        for (const sessionId of Object.keys(sessions)) expect(await store.get(sessionId)).toBeFalsy();
        if (has('length')) expect(await store.length!()).toBe(0);
      });
    });
  });
}
