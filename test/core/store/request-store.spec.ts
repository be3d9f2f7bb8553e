import { jest } from '@jest/globals';
import { MemoryStore, SessionStore } from '../../../lib/index.js';
import { requestFacingStore } from '../../../lib/core/store/request-facing-store.js';

const record = { cookie: { originalMaxAge: null }, views: 1 };

/** req.sessionStore: the store, with express-session's callbacks accepted as well. */
describe('requestFacingStore', () => {
  let store: MemoryStore;
  let facing: SessionStore;

  beforeEach(async () => {
    store = new MemoryStore({ checkPeriod: 0 });
    facing = requestFacingStore(store);
    await store.set('id', record);
  });

  it('answers callbacks as express-session stores do, and still returns the promise', async () => {
    const viaCallback = await new Promise((resolve, reject) =>
      (facing.get as unknown as (id: string, cb: (e: unknown, v?: unknown) => void) => void)('id', (error, value) =>
        error ? reject(error) : resolve(value),
      ),
    );
    expect(viaCallback).toEqual(record);
    await expect(facing.get('id')).resolves.toEqual(record);
    const missing = await new Promise((resolve) =>
      (facing.get as unknown as (id: string, cb: (e: unknown, v?: unknown) => void) => void)('none', (error, value) =>
        resolve({ error, value }),
      ),
    );
    expect(missing).toEqual({ error: null, value: undefined });
  });

  it('hands a failing call to the callback without an unhandled rejection', async () => {
    jest.spyOn(store, 'destroy').mockRejectedValueOnce(new Error('down'));
    const error = await new Promise((resolve) =>
      (facing.destroy as unknown as (id: string, cb: (e: unknown) => void) => void)('id', resolve),
    );
    expect(error).toEqual(new Error('down'));
  });

  it('is the store for everything else: instanceof, getters and methods using private state', () => {
    expect(facing).toBeInstanceOf(MemoryStore);
    expect(facing).toBeInstanceOf(SessionStore);
    expect(facing.isConnected).toBe(true);
    expect((facing as MemoryStore).sweep()).toBe(0);
    expect((facing as MemoryStore).max).toBe(store.max);
  });
});
