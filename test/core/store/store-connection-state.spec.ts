import { EventEmitter } from 'node:events';
import { SessionStoreUnavailableError } from '../../../lib/core/errors.js';
import { StoreConnectionState } from '../../../lib/core/store/store-connection-state.js';

/** A state for a store named DbStore on a backend named Db, with what it emitted and logged. */
function stateOf(isConnected: boolean): { state: StoreConnectionState; events: string[]; logged: string[] } {
  const store = new EventEmitter();
  const events: string[] = [];
  const logged: string[] = [];
  store.on('connect', () => events.push('connect'));
  store.on('disconnect', () => events.push('disconnect'));
  const state = new StoreConnectionState(store, { store: 'DbStore', backend: 'Db' }, isConnected, (message) => logged.push(message));
  return { state, events, logged };
}

describe('StoreConnectionState', () => {
  it('emits and logs each change once, naming the last client error', () => {
    const { state, events, logged } = stateOf(true);
    state.recordError(new Error('ECONNREFUSED'));
    state.setConnected(false);
    state.recordError(new Error('ECONNREFUSED again'));
    state.setConnected(false);
    state.setConnected(true);
    state.setConnected(true);
    expect(events).toEqual(['disconnect', 'connect']);
    expect(logged).toEqual([
      'nest-sessions: DbStore lost its connection to Db (ECONNREFUSED); requests needing a session answer 503 until it is back',
      'nest-sessions: DbStore reconnected to Db; sessions are available again',
    ]);
    expect(state.isConnected).toBe(true);
  });

  it('while down, gives the 503 a call fails with at once; none while up', () => {
    const { state } = stateOf(false);
    state.recordError(new Error('socket closed'));
    const error = state.unavailableError('load the session');
    expect(error).toBeInstanceOf(SessionStoreUnavailableError);
    expect(error?.message).toBe('nest-sessions: Db is unavailable (connection lost: socket closed), could not load the session');
    state.setConnected(true);
    expect(state.unavailableError('load the session')).toBeUndefined();
  });

  it('forgets the last error once connected again', () => {
    const { state } = stateOf(true);
    state.recordError(new Error('old'));
    state.setConnected(false);
    state.setConnected(true);
    state.setConnected(false);
    expect(state.unavailableError('save')?.message).toBe('nest-sessions: Db is unavailable (connection lost), could not save');
  });
});
