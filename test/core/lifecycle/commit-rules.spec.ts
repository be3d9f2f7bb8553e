import { decideCommit, isLazyTouch, isTouchDue, shouldDestroyUnset, shouldExtendExpiry, shouldMerge, shouldSave, shouldSetCookie, shouldTouch } from '../../../lib/core/lifecycle/commit-rules.js';
import type { CommitFacts } from '../../../lib/core/lifecycle/commit-rules.js';

const base: CommitFacts = {
  sessionId: 'id',
  cookieSessionId: 'id',
  isModified: false,
  isSaved: true,
  hasSavedBaseline: true,
  hasCookieExpiry: false,
  storedExpiresAt: undefined,
  lifetime: null,
  now: 1_000_000,
  isTouchSkipped: false,
};
const defaults = { saveUninitialized: false, rolling: false };

/** A new session: no cookie id, nothing saved yet. */
const fresh: Partial<CommitFacts> = { cookieSessionId: undefined, isSaved: false, hasSavedBaseline: false };
/** A loaded session with `resave: true`: no baseline, so it counts as unsaved. */
const resaved: Partial<CommitFacts> = { isSaved: false, hasSavedBaseline: false };

type Row = [label: string, facts: Partial<CommitFacts>, options: Partial<typeof defaults>, save: boolean, touch: boolean, setCookie: boolean];

// Columns: shouldSave, shouldTouch, shouldSetCookie — express-session 1.19's index.js rules.
const table: Row[] = [
  ['new, unmodified', fresh, {}, false, false, false],
  ['new, modified', { ...fresh, isModified: true }, {}, true, false, true],
  ['new, unmodified, saveUninitialized', fresh, { saveUninitialized: true }, true, false, true],
  ['new, modified, saveUninitialized', { ...fresh, isModified: true }, { saveUninitialized: true }, true, false, true],
  ['new, saved during the request, unchanged since', { ...fresh, isModified: true, isSaved: true, hasSavedBaseline: true }, {}, false, false, true],
  ['new, saved, then changed again', { ...fresh, isModified: true, isSaved: false, hasSavedBaseline: true }, {}, true, false, true],
  ['new, unmodified, rolling', fresh, { rolling: true }, false, false, false],
  ['existing, unmodified', {}, {}, false, true, false],
  ['existing, unmodified, rolling', {}, { rolling: true }, false, true, true],
  ['existing, modified, browser-session cookie', { isModified: true, isSaved: false }, {}, true, false, false],
  ['existing, modified, persistent cookie', { isModified: true, isSaved: false, hasCookieExpiry: true }, {}, true, false, true],
  ['existing, unmodified, persistent cookie', { hasCookieExpiry: true }, {}, false, true, false],
  ['existing, modified, saved during the request', { isModified: true, isSaved: true, hasCookieExpiry: true }, {}, false, true, true],
  ['existing, resave, unmodified', resaved, {}, true, false, false],
  ['existing, resave, unmodified, rolling', resaved, { rolling: true }, true, false, true],
  ['regenerated (new id differs from the cookie), unmodified data', { isModified: true, isSaved: false, hasSavedBaseline: true, cookieSessionId: 'old' }, {}, true, false, true],
  ['cookie named an unknown id, new session unmodified', { ...fresh, cookieSessionId: 'unknown' }, {}, false, false, false],
  ['cookie named an unknown id, saveUninitialized', { ...fresh, cookieSessionId: 'unknown' }, { saveUninitialized: true }, true, false, true],
  ['no session id (store unavailable)', { sessionId: undefined, isModified: true, isSaved: false }, { saveUninitialized: true, rolling: true }, false, false, false],
];

describe('commit rules', () => {
  it.each(table)('%s → save %s, touch %s, set cookie %s', (_label, facts, options, save, touch, setCookie) => {
    const allFacts = { ...base, ...facts };
    const allOptions = { ...defaults, ...options };
    expect({
      save: shouldSave(allFacts, allOptions),
      touch: shouldTouch(allFacts, allOptions),
      setCookie: shouldSetCookie(allFacts, allOptions),
    }).toEqual({ save, touch, setCookie });
  });

  it('never both saves and touches', () => {
    for (const [, facts, options] of table) {
      const allFacts = { ...base, ...facts };
      const allOptions = { ...defaults, ...options };
      expect(shouldSave(allFacts, allOptions) && shouldTouch(allFacts, allOptions)).toBe(false);
    }
  });

  it('decideCommit: save, else touch when the store can, else nothing, as the rules say', () => {
    for (const [label, facts, options, save, touch] of table) {
      const allFacts = { ...base, ...facts };
      const allOptions = { ...defaults, ...options };
      const expected = save ? 'save' : touch ? 'touch' : 'none';
      expect([label, decideCommit(allFacts, allOptions, true)]).toEqual([label, expected]);
      expect([label, decideCommit(allFacts, allOptions, false)]).toEqual([label, save ? 'save' : 'none']);
    }
  });

  it("shouldDestroyUnset: only with unset 'destroy', a string id, not destroyed already", () => {
    expect(shouldDestroyUnset({ sessionId: 'id', isDestroyed: false }, { unset: 'destroy' })).toBe(true);
    expect(shouldDestroyUnset({ sessionId: 'id', isDestroyed: false }, { unset: 'keep' })).toBe(false);
    expect(shouldDestroyUnset({ sessionId: undefined, isDestroyed: false }, { unset: 'destroy' })).toBe(false);
    expect(shouldDestroyUnset({ sessionId: 'id', isDestroyed: true }, { unset: 'destroy' })).toBe(false);
  });

  it('shouldMerge: only updates of a stored session, on a store that merges', () => {
    const merging = { mode: 'update' as const, hasStoredBaseline: true, canStoreMerge: true };
    expect(shouldMerge(merging)).toBe(true);
    expect(shouldMerge({ ...merging, mode: 'create' })).toBe(false);
    expect(shouldMerge({ ...merging, mode: 'upsert' })).toBe(false);
    expect(shouldMerge({ ...merging, hasStoredBaseline: false })).toBe(false);
    expect(shouldMerge({ ...merging, canStoreMerge: false })).toBe(false);
  });

  describe('lazy touch (touchAfter) and @SkipSessionTouch()', () => {
    const minute = 60_000;
    const hour = 60 * minute;
    /** An unchanged stored session of a one-hour cookie, last written `age` ms before `now`. */
    const writtenAgo = (age: number): CommitFacts => ({ ...base, hasCookieExpiry: true, lifetime: hour, storedExpiresAt: base.now + hour - age });
    const lazy = { ...defaults, touchAfter: minute };

    it('isTouchDue: once the stored expiry is older than the interval (storedExpiry - now < maxAge - touchAfter)', () => {
      expect(isTouchDue(writtenAgo(0), lazy)).toBe(false);
      expect(isTouchDue(writtenAgo(minute - 1), lazy)).toBe(false);
      expect(isTouchDue(writtenAgo(minute), lazy)).toBe(false);
      expect(isTouchDue(writtenAgo(minute + 1), lazy)).toBe(true);
      expect(isTouchDue(writtenAgo(hour - 1), lazy)).toBe(true);
    });

    it('isLazyTouch only with touchAfter, a known stored expiry and a cookie lifetime; otherwise every touch is due', () => {
      expect(isLazyTouch(writtenAgo(0), lazy)).toBe(true);
      expect(isLazyTouch(writtenAgo(0), defaults)).toBe(false);
      expect(isLazyTouch({ ...writtenAgo(0), storedExpiresAt: undefined }, lazy)).toBe(false);
      expect(isLazyTouch({ ...writtenAgo(0), lifetime: null }, lazy)).toBe(false);
      // A lifetime no longer than the interval (a cookie function's, a handler's maxAge) would never be due.
      expect(isLazyTouch({ ...writtenAgo(0), lifetime: minute, storedExpiresAt: base.now + minute }, lazy)).toBe(false);
      expect(isTouchDue({ ...writtenAgo(0), lifetime: minute, storedExpiresAt: base.now + minute }, lazy)).toBe(true);
      expect(isTouchDue({ ...writtenAgo(0), storedExpiresAt: undefined }, lazy)).toBe(true);
      expect(isTouchDue(writtenAgo(0), defaults)).toBe(true);
    });

    it("decideCommit: 'refresh' when due, nothing before; a store without touch gets nothing either way", () => {
      expect(decideCommit(writtenAgo(minute + 1), lazy, true)).toBe('refresh');
      expect(decideCommit(writtenAgo(10), lazy, true)).toBe('none');
      expect(decideCommit(writtenAgo(minute + 1), lazy, false)).toBe('none');
      // Without a known stored expiry (a browser-session cookie): the store's own touch, as without touchAfter.
      expect(decideCommit({ ...writtenAgo(10), storedExpiresAt: undefined, lifetime: null }, lazy, true)).toBe('touch');
    });

    it('a changed session is saved whatever the interval, and its expiry moves', () => {
      const changed = { ...writtenAgo(10), isModified: true, isSaved: false };
      expect(decideCommit(changed, lazy, true)).toBe('save');
      expect(shouldExtendExpiry(changed, lazy)).toBe(true);
    });

    it('with rolling, the cookie goes out whether or not the touch is due; its expiry moves only when due', () => {
      const rollingLazy = { ...lazy, rolling: true };
      expect(shouldSetCookie(writtenAgo(10), rollingLazy)).toBe(true);
      expect(shouldExtendExpiry(writtenAgo(10), rollingLazy)).toBe(false);
      expect(shouldExtendExpiry(writtenAgo(minute + 1), rollingLazy)).toBe(true);
    });

    it('a route that skips touches: no touch, no rolling cookie, no new expiry for an unchanged session', () => {
      const skipped = { ...writtenAgo(hour - 1), isTouchSkipped: true };
      for (const options of [defaults, lazy, { ...defaults, rolling: true }]) {
        expect(decideCommit(skipped, options, true)).toBe('none');
        expect(shouldSetCookie(skipped, options)).toBe(false);
        expect(shouldExtendExpiry(skipped, options)).toBe(false);
      }
    });

    it('a route that skips touches still saves a changed session, with a new expiry and its cookie', () => {
      const changed = { ...writtenAgo(10), isTouchSkipped: true, isModified: true, isSaved: false };
      expect(decideCommit(changed, lazy, true)).toBe('save');
      expect(shouldExtendExpiry(changed, lazy)).toBe(true);
      expect(shouldSetCookie(changed, { ...lazy, rolling: true })).toBe(true);
      expect(shouldSetCookie({ ...changed, isSaved: true }, { ...lazy, rolling: true })).toBe(true);
    });
  });
});
