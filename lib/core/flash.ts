import type { Session } from './session.js';

/** The reserved session key under which flash messages wait for a later request. */
export const FLASH_KEY = '__flash';

/** Flash messages by key, as `@Flash()` returns them. */
export type FlashMessages = Record<string, unknown[]>;

/**
 * How many of the newest messages under each key were flashed through this session object,
 * i.e. in the current request: they are for a later request and must not be read in this one.
 * A WeakMap, so nothing of it is stored or outlives the request's session.
 */
const flashedNow = new WeakMap<object, Map<string, number>>();

/** `session.flash(key, value)`: appends a message for a later request. */
export function flashMessage(session: Session, key: string, value: unknown): void {
  if (typeof key !== 'string') throw new TypeError('nest-sessions: session.flash(key, value) needs a string key');
  const messages = storedMessages(session, true)!;
  const queue = Object.hasOwn(messages, key) && Array.isArray(messages[key]) ? messages[key]! : [];
  queue.push(value);
  // defineProperty: a key such as `__proto__` is stored as data, never as the object's prototype.
  Object.defineProperty(messages, key, { value: queue, enumerable: true, writable: true, configurable: true });
  let counts = flashedNow.get(session);
  if (!counts) flashedNow.set(session, (counts = new Map()));
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** The messages flashed under `key` by earlier requests; they are removed (read once). */
export function takeFlash(session: Session, key: string): unknown[] {
  const messages = storedMessages(session, false);
  if (!messages || !Object.hasOwn(messages, key) || !Array.isArray(messages[key])) return [];
  const queue = messages[key]!;
  const keptCount = Math.min(flashedNow.get(session)?.get(key) ?? 0, queue.length);
  const earlier = queue.slice(0, queue.length - keptCount);
  if (earlier.length === 0) return [];
  if (keptCount > 0) messages[key] = queue.slice(queue.length - keptCount);
  else delete messages[key];
  if (Object.keys(messages).length === 0) delete (session as unknown as Record<string, unknown>)[FLASH_KEY];
  return earlier;
}

/** Every message flashed by earlier requests, by key; they are removed (read once). */
export function takeAllFlash(session: Session): FlashMessages {
  const messages = storedMessages(session, false);
  const taken: FlashMessages = {};
  if (!messages) return taken;
  for (const key of Object.keys(messages)) {
    const earlier = takeFlash(session, key);
    if (earlier.length > 0) Object.defineProperty(taken, key, { value: earlier, enumerable: true, writable: true, configurable: true });
  }
  return taken;
}

/** The session's message store; a malformed stored value (not an object) counts as none. */
function storedMessages(session: Session, create: boolean): FlashMessages | undefined {
  const data = session as unknown as Record<string, unknown>;
  const stored = data[FLASH_KEY];
  if (typeof stored === 'object' && stored !== null && !Array.isArray(stored)) return stored as FlashMessages;
  if (!create) return undefined;
  const messages: FlashMessages = {};
  data[FLASH_KEY] = messages;
  return messages;
}
