import { randomBytes } from 'node:crypto';

/**
 * The reserved session key under which flash messages wait for a later request: an object that
 * maps each message's id to the message, `{ key, value }`. One member per message, so stores
 * can add and remove messages one by one when requests overlap (see `FlashChanges`).
 */
export const FLASH_KEY = '__flash';

/** A `Session` (session.ts calls this file, so the class is not imported here). */
type FlashSession = object;

/** What taking flash messages asks of the request a session belongs to: its lifecycle. */
interface FlashRequest {
  takeFlashMessages(session: FlashSession, messageIds: readonly string[]): Promise<readonly string[] | undefined>;
}

/**
 * The request a session belongs to (the field stays private to the session's users);
 * undefined for a session of the package's other build (ESM / CommonJS). Set by session.ts.
 */
let requestOfSession: (session: FlashSession) => FlashRequest | undefined = () => undefined;

/** Called once by the Session class, which alone can read a session's request. */
export function setSessionRequestAccessor(accessor: (session: FlashSession) => FlashRequest | undefined): void {
  requestOfSession = accessor;
}

/** Flash messages by key, as `@Flash()` returns them. */
export type FlashMessages = Record<string, unknown[]>;

/**
 * The flash messages one request added to the session and removed from it, by message id: what
 * a store that keeps flash messages one by one (`SessionStore.takeFlashMessages`) applies to the
 * stored `__flash` object instead of replacing it, so overlapping requests neither lose a message
 * nor bring back one another request read.
 */
export interface FlashChanges {
  /** Messages added, each as its JSON. */
  readonly added: ReadonlyMap<string, string>;
  /** Ids of messages removed. */
  readonly removed: readonly string[];
}

/** One message as stored; a member whose value is an array is a key's queue, as 0.1 stored them. */
interface StoredFlashMessage {
  key: string;
  value: unknown;
}

type FlashMembers = Record<string, unknown>;

/** What this request did with a session's messages; nothing of it is stored. */
interface FlashRequestState {
  /** Ids flashed through this session object, i.e. in the current request: not readable in it. */
  flashedIds: Set<string>;
  /** Messages this request read (removed), by id: put back if the response is a 5xx. */
  takenMembers: Map<string, unknown>;
}

/** A WeakMap, so nothing of it outlives the request's session. */
const requestStates = new WeakMap<object, FlashRequestState>();

/** Tells apart ids made in the same millisecond by different processes. */
const PROCESS_TAG = randomBytes(4).toString('hex');
let idSequence = 0;

/**
 * A unique message id that sorts in flash order: the time, then a per-process sequence (two
 * messages of one millisecond), then the process' tag. Never an integer-like key, which
 * objects would reorder.
 */
function newMessageId(): string {
  idSequence = (idSequence + 1) % 36 ** 6;
  return `${Date.now().toString(36).padStart(9, '0')}.${idSequence.toString(36).padStart(6, '0')}.${PROCESS_TAG}`;
}

/** `session.flash(key, value)`: adds a message for a later request. */
export function flashMessage(session: FlashSession, key: string, value: unknown): void {
  if (typeof key !== 'string') throw new TypeError('nest-sessions: session.flash(key, value) needs a string key');
  const members = storedMembers(session, true)!;
  const messageId = newMessageId();
  const message: StoredFlashMessage = { key, value };
  members[messageId] = message;
  requestStateOf(session).flashedIds.add(messageId);
}

/**
 * The messages flashed under `key` (every key when undefined) by earlier requests, removed from
 * the session: each message is read once. Where the store can, it removes them itself, atomically
 * (`SessionStore.takeFlashMessages`), and a message another request read meanwhile is not
 * returned here; elsewhere they are removed from this request's session.
 */
export async function takeFlash(session: FlashSession, key: string): Promise<unknown[]>;
export async function takeFlash(session: FlashSession, key?: undefined): Promise<FlashMessages>;
export async function takeFlash(session: FlashSession, key?: string): Promise<unknown[] | FlashMessages> {
  const members = storedMembers(session, false);
  const readableIds = members ? readableMessageIds(session, members, key) : [];
  if (readableIds.length === 0) return key === undefined ? {} : [];
  const takenAtStore = await requestOfSession(session)?.takeFlashMessages(session, readableIds);
  const takenIds = takenAtStore === undefined ? readableIds : readableIds.filter((id) => takenAtStore.includes(id));
  const { takenMembers } = requestStateOf(session);
  for (const messageId of takenIds) takenMembers.set(messageId, members![messageId]);
  // Messages another request read meanwhile are gone from the store: they go from here too.
  removeFromSession(session, members!, readableIds);
  return key === undefined ? byKey(takenIds, takenMembers) : takenIds.flatMap((id) => valuesOf(takenMembers.get(id)));
}

/**
 * Puts back the messages this request read: its response is a 5xx, so the page that was to
 * show them was not shown.
 */
export function restoreTakenFlash(session: FlashSession): void {
  const takenMembers = requestStates.get(session)?.takenMembers;
  if (!takenMembers || takenMembers.size === 0) return;
  const members = storedMembers(session, true)!;
  for (const [messageId, member] of takenMembers) defineMember(members, messageId, member);
  takenMembers.clear();
}

/**
 * Removes the messages `messageIds` from the `__flash` of a session's data (as a store holds
 * it, parsed), and the key once no message is left. Returns the ids that were there.
 */
export function removeFlashMembers(data: Record<string, unknown>, messageIds: readonly string[]): string[] {
  const members = membersIn(data);
  if (!members) return [];
  const removed = messageIds.filter((messageId) => Object.hasOwn(members, messageId));
  for (const messageId of removed) delete members[messageId];
  if (Object.keys(members).length === 0) delete data[FLASH_KEY];
  return removed;
}

/** Applies one request's `FlashChanges` to the `__flash` of a session's data (parsed). */
export function applyFlashChanges(data: Record<string, unknown>, changes: FlashChanges): void {
  if (changes.added.size === 0 && changes.removed.length === 0) return;
  const members = membersIn(data) ?? {};
  for (const messageId of changes.removed) delete members[messageId];
  for (const [messageId, json] of changes.added) defineMember(members, messageId, JSON.parse(json));
  if (Object.keys(members).length === 0) delete data[FLASH_KEY];
  else data[FLASH_KEY] = members;
}

/** The messages added and removed between two parsed versions of a session's data. */
export function flashChangesBetween(before: Record<string, unknown>, after: Record<string, unknown>): FlashChanges {
  const membersBefore = membersIn(before) ?? {};
  const membersAfter = membersIn(after) ?? {};
  const added = new Map<string, string>();
  for (const messageId of Object.keys(membersAfter)) {
    if (!Object.hasOwn(membersBefore, messageId)) added.set(messageId, JSON.stringify(membersAfter[messageId]));
  }
  const removed = Object.keys(membersBefore).filter((messageId) => !Object.hasOwn(membersAfter, messageId));
  return { added, removed };
}

/** Ids of the messages under `key` (any key) not flashed in this request, oldest first. */
function readableMessageIds(session: FlashSession, members: FlashMembers, key: string | undefined): string[] {
  const flashedIds = requestStates.get(session)?.flashedIds;
  const readable = Object.keys(members).filter((messageId) => {
    if (flashedIds?.has(messageId)) return false;
    const member = members[messageId];
    // A queue as 0.1 stored it, under its key's name.
    if (Array.isArray(member)) return key === undefined || key === messageId;
    return isMessage(member) && (key === undefined || member.key === key);
  });
  return readable.sort((a, b) => compareMessageIds(members, a, b));
}

/** Ids sort in flash order; queues of 0.1 come first, being older than any message with an id. */
function compareMessageIds(members: FlashMembers, a: string, b: string): number {
  const byFormat = Number(!Array.isArray(members[a])) - Number(!Array.isArray(members[b]));
  if (byFormat !== 0) return byFormat;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Removes messages from the session's `__flash`, and the key once no message is left. */
function removeFromSession(session: FlashSession, members: FlashMembers, messageIds: readonly string[]): void {
  for (const messageId of messageIds) delete members[messageId];
  const data = session as unknown as Record<string, unknown>;
  if (data[FLASH_KEY] === members && Object.keys(members).length === 0) delete data[FLASH_KEY];
}

function byKey(messageIds: readonly string[], takenMembers: ReadonlyMap<string, unknown>): FlashMessages {
  const messages: FlashMessages = {};
  for (const messageId of messageIds) {
    const member = takenMembers.get(messageId);
    const key = Array.isArray(member) ? messageId : (member as StoredFlashMessage).key;
    const queue = Object.hasOwn(messages, key) ? messages[key]! : [];
    queue.push(...valuesOf(member));
    // defineProperty: a key such as `__proto__` is returned as data, never as the object's prototype.
    Object.defineProperty(messages, key, { value: queue, enumerable: true, writable: true, configurable: true });
  }
  return messages;
}

function valuesOf(member: unknown): unknown[] {
  return Array.isArray(member) ? member : [(member as StoredFlashMessage).value];
}

function isMessage(member: unknown): member is StoredFlashMessage {
  return typeof member === 'object' && member !== null && typeof (member as StoredFlashMessage).key === 'string';
}

function defineMember(members: FlashMembers, messageId: string, member: unknown): void {
  Object.defineProperty(members, messageId, { value: member, enumerable: true, writable: true, configurable: true });
}

function requestStateOf(session: FlashSession): FlashRequestState {
  let state = requestStates.get(session);
  if (!state) requestStates.set(session, (state = { flashedIds: new Set(), takenMembers: new Map() }));
  return state;
}

/** The `__flash` object of a session's data; a malformed stored value (not an object) counts as none. */
function membersIn(data: Record<string, unknown>): FlashMembers | undefined {
  const stored = data[FLASH_KEY];
  return typeof stored === 'object' && stored !== null && !Array.isArray(stored) ? (stored as FlashMembers) : undefined;
}

/** The session's messages, created when asked for. */
function storedMembers(session: FlashSession, create: boolean): FlashMembers | undefined {
  const data = session as unknown as Record<string, unknown>;
  const members = membersIn(data);
  if (members || !create) return members;
  const created: FlashMembers = {};
  data[FLASH_KEY] = created;
  return created;
}
