import { decideCommit, shouldDestroyUnset, shouldMerge, shouldSave, shouldSetCookie, shouldTouch } from '../../../lib/core/lifecycle/commit-rules.js';
import type { CommitFacts } from '../../../lib/core/lifecycle/commit-rules.js';

const base: CommitFacts = {
  sessionId: 'id',
  cookieSessionId: 'id',
  isModified: false,
  isSaved: true,
  hasSavedBaseline: true,
  hasCookieExpiry: false,
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
});
