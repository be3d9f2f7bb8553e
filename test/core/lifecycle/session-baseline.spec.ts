import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';
import { SessionBaseline } from '../../../lib/core/lifecycle/session-baseline.js';
import { Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import type { SessionRecord } from '../../../lib/core/store/session-store.js';

const operations = {} as SessionOperations;

function sessionWith(sessionId: string, data: Record<string, unknown>, maxAge: number | null = 60_000): Session {
  const cookie = new SessionCookie();
  cookie.maxAge = maxAge;
  return new Session(operations, sessionId, cookie, data);
}

function recordOf(session: Session): SessionRecord {
  return { cookie: session.cookie.toJSON(), ...JSON.parse(serializeSessionData(session)) } as SessionRecord;
}

/** A baseline over `session` as loaded from the store. */
function loaded(session: Session, resave = false): SessionBaseline {
  const baseline = new SessionBaseline();
  baseline.startLoaded(session.id, serializeSessionData(session), session.cookie.originalMaxAge, recordOf(session), resave, session.cookie.expiresAt);
  return baseline;
}

describe('SessionBaseline', () => {
  describe('a new session', () => {
    it('is persisted nowhere, has no saved or stored data, and is unmodified until changed', () => {
      const session = sessionWith('new', {});
      const baseline = new SessionBaseline();
      baseline.startNew('new', serializeSessionData(session), session.cookie.originalMaxAge);
      expect(baseline.isPersisted('new')).toBe(false);
      expect(baseline.hasSavedBaseline).toBe(false);
      expect(baseline.hasStoredBaseline).toBe(false);
      expect(baseline.isModified(session, serializeSessionData(session))).toBe(false);
      expect(baseline.isSaved(session, serializeSessionData(session))).toBe(false);
      (session as unknown as Record<string, unknown>).n = 1;
      expect(baseline.isModified(session, serializeSessionData(session))).toBe(true);
    });

    it('reports as changes since stored everything added since it was created', () => {
      const session = sessionWith('new', { a: 1 });
      const baseline = new SessionBaseline();
      baseline.startNew('new', serializeSessionData(session), session.cookie.originalMaxAge);
      const changes = baseline.changesSinceStored(JSON.stringify({ a: 1, b: 2 }));
      expect([...changes.setKeys]).toEqual([['b', '2']]);
      expect(changes.deletedKeys).toEqual([]);
    });
  });

  describe('a loaded session', () => {
    it('is persisted and saved as loaded, modified by a data change, a lifetime change or another id', () => {
      const session = sessionWith('sid', { n: 1 });
      const baseline = loaded(session);
      const dataJson = serializeSessionData(session);
      expect(baseline.isPersisted('sid')).toBe(true);
      expect(baseline.isPersisted('other')).toBe(false);
      expect(baseline.isSaved(session, dataJson)).toBe(true);
      expect(baseline.isModified(session, dataJson)).toBe(false);
      expect(baseline.isModified(session, JSON.stringify({ n: 2 }))).toBe(true);
      expect(baseline.isModified(sessionWith('other', { n: 1 }), dataJson)).toBe(true);
      session.cookie.maxAge = 120_000;
      expect(baseline.isModified(session, dataJson)).toBe(true);
      expect(baseline.isSaved(session, dataJson)).toBe(false);
    });

    it('with resave, has no saved baseline until a save', () => {
      const session = sessionWith('sid', { n: 1 });
      const baseline = loaded(session, true);
      const dataJson = serializeSessionData(session);
      expect(baseline.hasSavedBaseline).toBe(false);
      expect(baseline.isSaved(session, dataJson)).toBe(false);
      baseline.recordSaving(dataJson, session.cookie.originalMaxAge, session.cookie.expiresAt);
      expect(baseline.hasSavedBaseline).toBe(true);
      expect(baseline.isSaved(session, dataJson)).toBe(true);
    });

    it('gives the changes to the stored data with the loaded record, until a write is stored', () => {
      const session = sessionWith('sid', { n: 1, gone: true });
      const baseline = loaded(session);
      const changes = baseline.changesToStored(JSON.stringify({ n: 2 }));
      expect([...changes.setKeys]).toEqual([['n', '2']]);
      expect(changes.deletedKeys).toEqual(['gone']);
      expect(changes.baseRecord).toMatchObject({ n: 1, gone: true });
      baseline.recordStored('sid', JSON.stringify({ n: 2 }));
      const later = baseline.changesToStored(JSON.stringify({ n: 3 }));
      expect([...later.setKeys]).toEqual([['n', '3']]);
      expect(later.deletedKeys).toEqual([]);
      expect(later.baseRecord).toBeUndefined();
    });

    it('compares with the data a reload read', () => {
      const session = sessionWith('sid', { n: 1 });
      const baseline = loaded(session);
      baseline.recordReloaded(JSON.stringify({ n: 5 }), { cookie: session.cookie.toJSON(), n: 5 }, session.cookie.expiresAt);
      expect([...baseline.changesSinceStored(JSON.stringify({ n: 5, m: 1 })).setKeys]).toEqual([['m', '1']]);
    });
  });

  describe('writes', () => {
    it('counts what a save writes as saved even before the store answers, and as stored once it has', () => {
      const session = sessionWith('new', {});
      const baseline = new SessionBaseline();
      baseline.startNew('new', serializeSessionData(session), session.cookie.originalMaxAge);
      const dataJson = JSON.stringify({ n: 1 });
      baseline.recordSaving(dataJson, session.cookie.originalMaxAge, session.cookie.expiresAt);
      expect(baseline.isSaved(session, dataJson)).toBe(true);
      expect(baseline.isPersisted('new')).toBe(false);
      baseline.recordStored('new', dataJson);
      expect(baseline.isPersisted('new')).toBe(true);
      expect(baseline.hasStoredBaseline).toBe(true);
    });

    it('puts back with restore what a write changed after the snapshot', () => {
      const session = sessionWith('sid', { n: 1 });
      const baseline = loaded(session);
      const snapshot = baseline.snapshot();
      baseline.recordSaving(JSON.stringify({ n: 9 }), 5, undefined);
      baseline.recordStored('copy', JSON.stringify({ n: 9 }));
      baseline.restore(snapshot);
      const dataJson = serializeSessionData(session);
      expect(baseline.isPersisted('sid')).toBe(true);
      expect(baseline.isPersisted('copy')).toBe(false);
      expect(baseline.isSaved(session, dataJson)).toBe(true);
      expect(baseline.changesToStored(dataJson).baseRecord).toMatchObject({ n: 1 });
    });
  });

  describe('flash messages taken by the store', () => {
    const withFlash = { n: 1, __flash: { m1: { key: 'info', value: 'a' }, m2: { key: 'info', value: 'b' } } };

    it('leaves the taken messages out of the original, saved and stored data, and forgets the loaded record', () => {
      const session = sessionWith('sid', structuredClone(withFlash));
      const baseline = loaded(session);
      baseline.recordFlashTaken('sid', ['m1']);
      const afterRead = JSON.stringify({ n: 1, __flash: { m2: { key: 'info', value: 'b' } } });
      expect(baseline.isModified(session, afterRead)).toBe(false);
      expect(baseline.isSaved(session, afterRead)).toBe(true);
      const changes = baseline.changesToStored(afterRead);
      expect([...changes.setKeys]).toEqual([]);
      expect(changes.baseRecord).toBeUndefined();
    });

    it('keeps the original data of another session as it was', () => {
      const session = sessionWith('sid', structuredClone(withFlash));
      const baseline = loaded(session);
      baseline.recordFlashTaken('other', ['m1', 'm2']);
      expect(baseline.isModified(session, serializeSessionData(session))).toBe(false);
      expect(baseline.isSaved(session, serializeSessionData(session))).toBe(false);
    });
  });
});
