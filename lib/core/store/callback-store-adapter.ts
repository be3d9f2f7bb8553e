import { SessionStore } from './session-store.js';
import type { SessionRecord } from './session-store.js';

type Callback<T> = (error?: unknown, value?: T) => void;

/**
 * Sessions as third-party stores type them. `any` on purpose: each store declares its own
 * session type (@types/express-session's allows `cookie.secure: 'auto'`, for one), and every
 * one of them must be accepted as `store` without a cast. The adapter checks values at runtime.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type ForeignSession = any;

/**
 * An express-session store (connect-redis, connect-mongo, connect-pg-simple, …): callback
 * methods and `connect`/`disconnect` events.
 */
export interface CallbackSessionStore {
  get(sessionId: string, callback: Callback<ForeignSession>): unknown;
  set(sessionId: string, session: ForeignSession, callback?: Callback<void>): unknown;
  destroy(sessionId: string, callback?: Callback<void>): unknown;
  touch?(sessionId: string, session: ForeignSession, callback?: Callback<void>): unknown;
  all?(callback: Callback<ForeignSession>): unknown;
  length?(callback: Callback<number>): unknown;
  clear?(callback?: Callback<void>): unknown;
  on?(event: string, listener: (...args: ForeignSession[]) => void): unknown;
}

/** Whether `value` looks like an express-session store (has callback get/set/destroy). */
export function isCallbackSessionStore(value: unknown): value is CallbackSessionStore {
  const candidate = value as Partial<CallbackSessionStore> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.get === 'function' &&
    typeof candidate.set === 'function' &&
    typeof candidate.destroy === 'function'
  );
}

/**
 * Presents an express-session store as a `SessionStore`, forwarding its connection events.
 * Such stores cannot honour write modes: the `update`-only guard is best effort there.
 */
export class CallbackStoreAdapter extends SessionStore {
  /** Connected until the store says otherwise, as express-session assumes. */
  #isConnected = true;

  constructor(readonly wrapped: CallbackSessionStore) {
    super();
    wrapped.on?.('connect', () => {
      this.#isConnected = true;
      this.emit('connect');
    });
    wrapped.on?.('disconnect', () => {
      this.#isConnected = false;
      this.emit('disconnect');
    });
    if (typeof wrapped.touch === 'function') {
      this.touch = (sessionId, record) => this.#callForNoAnswer((done) => wrapped.touch!(sessionId, record, done));
    }
    if (typeof wrapped.all === 'function') {
      this.all = async () => toRecordMap(await this.#call((done) => wrapped.all!(done)));
    }
    if (typeof wrapped.length === 'function') {
      this.length = () => this.#call<number>((done) => wrapped.length!(done));
    }
    if (typeof wrapped.clear === 'function') {
      this.clear = () => this.#callForNoAnswer((done) => wrapped.clear!(done));
    }
  }

  /** What the wrapped store's last `connect` / `disconnect` said (a health check reads it). */
  override get isConnected(): boolean {
    return this.#isConnected;
  }

  get(sessionId: string): Promise<SessionRecord | null | undefined> {
    return this.#call((done) => this.wrapped.get(sessionId, done));
  }

  set(sessionId: string, record: SessionRecord): Promise<void> {
    return this.#callForNoAnswer((done) => this.wrapped.set(sessionId, record, done));
  }

  destroy(sessionId: string): Promise<void> {
    return this.#callForNoAnswer((done) => this.wrapped.destroy(sessionId, done));
  }

  /**
   * Resolves to nothing ("cannot tell"), whatever value the callback passes: connect-redis
   * passes `null`, and a `false` would read as "the session was not there".
   */
  #callForNoAnswer(invoke: (done: Callback<unknown>) => unknown): Promise<void> {
    return this.#call(invoke).then(() => undefined);
  }

  #call<T>(invoke: (done: Callback<T>) => unknown): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      // express-session's MemoryStore and others answer ENOENT for a missing session.
      const done: Callback<T> = (error, value) => {
        if (error && (error as { code?: string }).code !== 'ENOENT') reject(error);
        else resolve((error ? undefined : value) as T);
      };
      try {
        invoke(done);
      } catch (error) {
        reject(error);
      }
    });
  }
}

/**
 * express-session stores answer `all` with an object keyed by id or, for some, an array whose
 * records carry their id (connect-redis): the id becomes the key and leaves the record, which
 * is then as stored (a session's `id` is never part of its stored data).
 */
function toRecordMap(
  sessions: Record<string, SessionRecord> | SessionRecord[] | null | undefined,
): Record<string, SessionRecord> {
  if (!sessions) return {};
  if (!Array.isArray(sessions)) return sessions;
  const byId: Record<string, SessionRecord> = {};
  sessions.forEach((record, index) => {
    const { id, ...storedRecord } = record as SessionRecord & { id?: unknown };
    if (typeof id === 'string') byId[id] = storedRecord as SessionRecord;
    else byId[String(index)] = record;
  });
  return byId;
}

/** The store as a `SessionStore`: our own stores pass through, callback stores are wrapped. */
export function toSessionStore(store: SessionStore | CallbackSessionStore): SessionStore {
  return store instanceof SessionStore ? store : new CallbackStoreAdapter(store);
}
