import { spawnSync } from 'node:child_process';
import fc from 'fast-check';
import { takeFlash } from '../../../lib/core/session/flash.js';
import { hasEveryStoredKey, Session, serializeSessionData } from '../../../lib/core/session/session.js';
import type { SessionOperations } from '../../../lib/core/session/session.js';
import { SessionCookie } from '../../../lib/core/cookie/session-cookie.js';

/** Records calls; each method resolves or rejects as configured. */
class FakeOperations implements SessionOperations {
  calls: string[] = [];
  failure: Error | undefined;
  replacement: Session | undefined;

  #settle<T>(name: string, value: T): Promise<T> {
    this.calls.push(name);
    return this.failure ? Promise.reject(this.failure) : Promise.resolve(value);
  }
  saveSession(): Promise<void> {
    return this.#settle('save', undefined);
  }
  reloadSession(session: Session): Promise<Session> {
    return this.#settle('reload', this.replacement ?? session);
  }
  destroySession(): Promise<void> {
    return this.#settle('destroy', undefined);
  }
  regenerateSession(session: Session): Promise<Session> {
    return this.#settle('regenerate', this.replacement ?? session);
  }
  rotateSession(session: Session): Promise<Session> {
    return this.#settle('rotate', this.replacement ?? session);
  }
  takeFlashMessages(): Promise<readonly string[] | undefined> {
    return this.#settle('takeFlashMessages', undefined);
  }
  sessionToken(session: Session): string {
    this.calls.push('sessionToken');
    return `s:${session.id}.signature`;
  }
}

function makeSession(data?: Record<string, unknown>, operations = new FakeOperations()): Session {
  const cookie = new SessionCookie();
  cookie.maxAge = 60_000;
  return new Session(operations, 'sid-1', cookie, data);
}

describe('Session', () => {
  it('copies the data as own enumerable properties', () => {
    const session = makeSession({ userId: 'u1', cart: ['a'] }) as Session & Record<string, unknown>;
    expect(session.userId).toBe('u1');
    expect(session.cart).toEqual(['a']);
    expect(Object.keys(session).sort()).toEqual(['cart', 'cookie', 'userId']);
  });

  it('has a non-enumerable id and non-enumerable methods', () => {
    const session = makeSession({ a: 1 });
    expect(session.id).toBe('sid-1');
    expect(Object.keys(session)).not.toContain('id');
    expect(JSON.parse(JSON.stringify(session))).not.toHaveProperty('id');
    expect(() => {
      (session as unknown as { id: string }).id = 'other';
    }).toThrow(TypeError);
    expect(session.id).toBe('sid-1');
    for (const method of ['touch', 'resetMaxAge', 'save', 'reload', 'destroy', 'regenerate', 'rotate', 'flash', 'token']) {
      expect(Object.keys(session)).not.toContain(method);
      expect(typeof (session as unknown as Record<string, unknown>)[method]).toBe('function');
    }
  });

  it('drops stored keys that shadow methods, the id or the cookie (as express-session)', () => {
    const storedCookie = { originalMaxAge: 1 };
    const session = makeSession({ save: 'x', destroy: 1, id: 'other', cookie: storedCookie, constructor: 'c', kept: true });
    expect(typeof session.save).toBe('function');
    expect(typeof session.destroy).toBe('function');
    expect(session.id).toBe('sid-1');
    expect(session.cookie).toBeInstanceOf(SessionCookie);
    expect(session.constructor).toBe(Session);
    expect((session as unknown as Record<string, unknown>).kept).toBe(true);
  });

  it('keeps stored keys named as the methods it adds beyond express-session\'s, as express-session kept them: the data hides the method', () => {
    const stored = { token: 'oauth-access-token', flash: { info: 'x' }, rotate: 1, csrfToken: 'c', markAuthenticated: false };
    const session = makeSession(stored) as unknown as Record<string, unknown>;
    for (const [key, value] of Object.entries(stored)) expect(session[key]).toEqual(value);
    expect(JSON.parse(JSON.stringify(session))).toMatchObject(stored);
    // The list is every method of the prototype that express-session's Session does not have.
    const expressSessionMembers = ['constructor', 'id', 'touch', 'resetMaxAge', 'save', 'reload', 'destroy', 'regenerate'];
    const added = Object.getOwnPropertyNames(Session.prototype).filter((name) => !expressSessionMembers.includes(name));
    const kept = makeSession(Object.fromEntries(added.map((name) => [name, `stored ${name}`]))) as unknown as Record<string, unknown>;
    for (const name of added) expect(kept[name]).toBe(`stored ${name}`);
  });

  it('token() asks the request for the signed token of this session', () => {
    const operations = new FakeOperations();
    const session = makeSession({ a: 1 }, operations);
    expect(session.token()).toBe('s:sid-1.signature');
    expect(operations.calls).toEqual(['sessionToken']);
  });

  it('serializes to JSON as data plus cookie only', () => {
    const session = makeSession({ userId: 'u1' });
    const json = JSON.parse(JSON.stringify(session));
    expect(Object.keys(json).sort()).toEqual(['cookie', 'userId']);
    expect(json.cookie).toEqual(JSON.parse(JSON.stringify(session.cookie.toJSON())));
  });

  it('serializeSessionData leaves the cookie out', () => {
    const session = makeSession({ userId: 'u1', n: 2 });
    expect(JSON.parse(serializeSessionData(session))).toEqual({ userId: 'u1', n: 2 });
    session.cookie.maxAge = 5;
    expect(serializeSessionData(session)).toBe(JSON.stringify({ userId: 'u1', n: 2 }));
  });

  /** What serializeSessionData must give: the data copied out without the cookie, stringified. */
  function dataJsonByCopy(session: Session): string {
    const { cookie: _cookie, ...data } = session;
    return JSON.stringify(data);
  }

  it('serializeSessionData gives what stringifying the data without the cookie gives, whatever the data', () => {
    fc.assert(
      // Up to 40 keys: small sessions are copied out, large ones cut out of the whole session's JSON.
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 40 }), fc.option(fc.integer({ min: 1, max: 10 ** 9 })), (data, maxAge) => {
        const session = makeSession(data);
        session.cookie.maxAge = maxAge;
        expect(serializeSessionData(session)).toBe(dataJsonByCopy(session));
      }),
    );
  });

  it.each([
    ['a small session', 1],
    ['a large session', 30],
  ])('serializeSessionData leaves the cookie out wherever the app put it, and whatever it is (%s)', (_size, keyCount) => {
    const data = Object.fromEntries(Array.from({ length: keyCount }, (_, index) => [`key${index}`, index]));
    const dataJson = JSON.stringify(data);
    const withCookie = (change: (session: Session & Record<string, unknown>) => void) => {
      const session = makeSession(data) as Session & Record<string, unknown>;
      change(session);
      return serializeSessionData(session);
    };
    expect(withCookie(() => undefined)).toBe(dataJson);
    // Deleted and added again: the cookie is now the last own property.
    expect(
      withCookie((session) => {
        const cookie = session.cookie;
        delete (session as { cookie?: unknown }).cookie;
        session.cookie = cookie;
      }),
    ).toBe(dataJson);
    expect(withCookie((session) => (session.cookie = { path: '/', note: 'a plain object' } as never))).toBe(dataJson);
    expect(withCookie((session) => delete (session as { cookie?: unknown }).cookie)).toBe(dataJson);
    // A cookie whose text depends on where it is stringified: the two texts differ, so the copy decides.
    expect(withCookie((session) => (session.cookie = { toJSON: (key: string) => (key === '' ? 'top' : 'nested') } as never))).toBe(dataJson);
  });

  it('serializeSessionData of a session without data is {}', () => {
    expect(serializeSessionData(makeSession())).toBe('{}');
  });

  it('touch and resetMaxAge restore the full lifetime and chain', () => {
    const session = makeSession();
    session.cookie.expires = new Date(Date.now() + 10);
    session.cookie.originalMaxAge = 60_000;
    expect(session.touch()).toBe(session);
    expect(session.cookie.maxAge).toBeGreaterThan(59_000);
    expect(session.resetMaxAge()).toBe(session);
  });

  describe.each(['save', 'reload', 'destroy', 'regenerate', 'rotate'] as const)('%s()', (method) => {
    it('without a callback returns a promise and calls the operation', async () => {
      const operations = new FakeOperations();
      const session = makeSession({}, operations);
      const result = (session[method] as () => Promise<unknown>)();
      expect(result).toBeInstanceOf(Promise);
      await result;
      expect(operations.calls).toEqual([method]);
    });

    it('without a callback rejects with the operation error', async () => {
      const operations = new FakeOperations();
      operations.failure = new Error('store down');
      const session = makeSession({}, operations);
      await expect((session[method] as () => Promise<unknown>)()).rejects.toThrow('store down');
    });

    it('with a callback returns the session and calls back with no error', async () => {
      const operations = new FakeOperations();
      const session = makeSession({}, operations);
      const callbackArgs = await new Promise<unknown[]>((resolve) => {
        const returned = (session[method] as (callback: (...args: unknown[]) => void) => unknown)((...args) => resolve(args));
        expect(returned).toBe(session);
      });
      expect(callbackArgs).toEqual([]);
      expect(operations.calls).toEqual([method]);
    });

    it('with a callback passes the error to it', async () => {
      const operations = new FakeOperations();
      operations.failure = new Error('store down');
      const session = makeSession({}, operations);
      const error = await new Promise<unknown>((resolve) => {
        (session[method] as (callback: (error?: unknown) => void) => unknown)(resolve);
      });
      expect(error).toBe(operations.failure);
    });
  });

  it('flash messages are taken through the session\'s request; a session of the other build (another class) has them removed from its data', async () => {
    const operations = new FakeOperations();
    const session = makeSession({ __flash: { m1: { key: 'notice', value: 'one' } } }, operations);
    expect(await takeFlash(session, 'notice')).toEqual(['one']);
    expect(operations.calls).toEqual(['takeFlashMessages']);
    const foreign = { __flash: { m1: { key: 'notice', value: 'one' } } } as unknown as Session;
    expect(await takeFlash(foreign)).toEqual({ notice: ['one'] });
    expect(foreign).toEqual({});
  });

  it('reload, regenerate and rotate resolve to the replacement session', async () => {
    const operations = new FakeOperations();
    const session = makeSession({}, operations);
    operations.replacement = makeSession({ fresh: true }, operations);
    expect(await session.reload()).toBe(operations.replacement);
    expect(await session.regenerate()).toBe(operations.replacement);
    expect(await session.rotate()).toBe(operations.replacement);
  });

  it('a rejected call that nobody awaits does not cause an unhandled rejection', () => {
    // Jest swallows unhandled rejections, so the check runs in a child process that exits
    // non-zero on one (--unhandled-rejections=strict).
    const childScript = `
      const { Session } = await import(${JSON.stringify(new URL('../../../lib/core/session/session.ts', import.meta.url).href)});
      const { SessionCookie } = await import(${JSON.stringify(new URL('../../../lib/core/cookie/session-cookie.ts', import.meta.url).href)});
      const fail = () => Promise.reject(new Error('store down'));
      const operations = { saveSession: fail, reloadSession: fail, destroySession: fail, regenerateSession: fail, rotateSession: fail };
      const session = new Session(operations, 'sid', new SessionCookie());
      session.save(); session.reload(); session.destroy(); session.regenerate(); session.rotate();
      if (process.argv.includes('--control')) Promise.reject(new Error('control'));
      await new Promise((resolve) => setTimeout(resolve, 20));
    `;
    const run = (...extraArgs: string[]) =>
      spawnSync(process.execPath, ['--import', 'tsx', '--unhandled-rejections=strict', '--input-type=module', '-e', childScript, '--', ...extraArgs], {
        encoding: 'utf8',
      });
    const result = run();
    expect(result.stderr).not.toContain('store down');
    expect(result.status).toBe(0);
    // The control proves the child does fail on an unhandled rejection.
    expect(run('--control').status).not.toBe(0);
  });
});

describe('hasEveryStoredKey (whether the stored data is the session\'s own, for change detection)', () => {
  const cookie = () => SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });

  it('holds for a session made from a record (its cookie included), and from data named as a method added here', () => {
    expect(hasEveryStoredKey(new Session({} as SessionOperations, 'id', cookie(), { cookie: { path: '/' }, n: 1, token: 'a' }))).toBe(true);
    expect(hasEveryStoredKey(new Session({} as SessionOperations, 'id', cookie()))).toBe(true);
  });

  it("fails for data under one of express-session's names, which the session drops", () => {
    for (const key of ['save', 'regenerate', 'id', '__proto__', 'toString']) {
      const data = JSON.parse(`{"n":1,${JSON.stringify(key)}:1}`) as Record<string, unknown>;
      expect(hasEveryStoredKey(new Session({} as SessionOperations, 'id', cookie(), data))).toBe(false);
    }
  });
});

describe('Session.overRecord (a record parsed for this load made the session itself)', () => {
  const cookie = () => SessionCookie.fromAttributes({ path: '/', httpOnly: true, secure: false, maxAge: 60_000 });
  const storedCookie = { originalMaxAge: 60_000, expires: null, httpOnly: true, path: '/' };
  /** A record as a store parses it: the cookie first, then `keyCount` keys of data. */
  const parsedRecord = (keyCount: number, extra = ''): Record<string, unknown> => {
    const data = Object.fromEntries(Array.from({ length: keyCount }, (_, index) => [`key${index}`, index % 2 ? `text ${index}` : { n: index, list: [index] }]));
    const json = JSON.stringify({ cookie: storedCookie, ...data });
    return JSON.parse(extra === '' ? json : `${json.slice(0, -1)},${extra}}`) as Record<string, unknown>;
  };
  /** The session the constructor copies out of (a copy of) `record`, with the same cookie object. */
  const copied = (record: Record<string, unknown>, sessionCookie: SessionCookie) =>
    new Session(new FakeOperations(), 'sid-1', sessionCookie, JSON.parse(JSON.stringify(record)) as Record<string, unknown>);

  it('makes a record of many keys a Session, with the data, the id, the methods and the JSON of a copied one', async () => {
    const record = parsedRecord(30);
    const operations = new FakeOperations();
    const sessionCookie = cookie();
    const session = Session.overRecord(operations, 'sid-1', sessionCookie, record)! as Session & Record<string, unknown>;
    expect(session).toBe(record);
    expect(session).toBeInstanceOf(Session);
    expect(session.id).toBe('sid-1');
    expect(session.cookie).toBe(sessionCookie);
    const expected = copied(parsedRecord(30), sessionCookie);
    expect(Object.keys(session)).toEqual(Object.keys(expected));
    expect(JSON.stringify(session)).toBe(JSON.stringify(expected));
    expect(serializeSessionData(session)).toBe(serializeSessionData(expected));
    expect(hasEveryStoredKey(session)).toBe(true);
    expect(session.key1).toBe('text 1');
    await session.save();
    expect(operations.calls).toEqual(['save']);
    expect(session.token()).toBe('s:sid-1.signature');
    expect(() => {
      (session as { id: string }).id = 'other';
    }).toThrow(TypeError);
  });

  it('keeps copying a record of few keys, of another prototype, or with a key the session drops', () => {
    expect(Session.overRecord(new FakeOperations(), 'sid-1', cookie(), parsedRecord(5))).toBeUndefined();
    expect(Session.overRecord(new FakeOperations(), 'sid-1', cookie(), Object.assign(Object.create(null) as object, parsedRecord(30)))).toBeUndefined();
    for (const key of ['save', 'regenerate', 'id', '__proto__', 'toString', 'constructor']) {
      const record = parsedRecord(30, `${JSON.stringify(key)}:1`);
      expect(Session.overRecord(new FakeOperations(), 'sid-1', cookie(), record)).toBeUndefined();
    }
  });

  it('adopts data named as a method added here; the data hides the method, as on a copied session', () => {
    const session = Session.overRecord(new FakeOperations(), 'sid-1', cookie(), parsedRecord(30, '"token":"an access token"'))!;
    expect(session).toBeInstanceOf(Session);
    expect((session as unknown as Record<string, unknown>).token).toBe('an access token');
  });

  it('gives the keys and JSON a copied session has, or leaves the record to the copy, whatever the record', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 2 }), { minKeys: 10, maxKeys: 40 }), (data) => {
        const record = JSON.parse(JSON.stringify({ cookie: storedCookie, ...data })) as Record<string, unknown>;
        const sessionCookie = cookie();
        const expected = copied(record, sessionCookie);
        const session = Session.overRecord(new FakeOperations(), 'sid-1', sessionCookie, record);
        if (session === undefined) return;
        expect(Object.keys(session)).toEqual(Object.keys(expected));
        expect(JSON.stringify(session)).toBe(JSON.stringify(expected));
      }),
    );
  });

  it('leaves the session of many keys in V8\'s fast mode, with one hidden class for sessions of one shape (a copied one is a hash table)', () => {
    const childScript = `
      const { Session } = await import(${JSON.stringify(new URL('../../../lib/core/session/session.ts', import.meta.url).href)});
      const { SessionCookie } = await import(${JSON.stringify(new URL('../../../lib/core/cookie/session-cookie.ts', import.meta.url).href)});
      // 60 keys: copied one by one, so many put a session in dictionary mode however it is compiled.
      const data = Object.fromEntries(Array.from({ length: 60 }, (_, index) => ['key' + index, 'value ' + index]));
      const json = JSON.stringify({ cookie: { originalMaxAge: 60000, expires: null, path: '/' }, ...data });
      const adopted = () => Session.overRecord({}, 'sid', new SessionCookie(), JSON.parse(json));
      const first = adopted();
      const second = adopted();
      const copied = new Session({}, 'sid', new SessionCookie(), JSON.parse(json));
      console.log(JSON.stringify([%HasFastProperties(first), %HaveSameMap(first, second), %HasFastProperties(copied)]));
    `;
    const result = spawnSync(process.execPath, ['--import', 'tsx', '--allow-natives-syntax', '--input-type=module', '-e', childScript], { encoding: 'utf8' });
    expect(result.stderr).toBe('');
    expect(JSON.parse(result.stdout)).toEqual([true, true, false]);
  });
});
