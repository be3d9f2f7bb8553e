import { applyFlashChanges, FLASH_KEY } from '../session/flash.js';
import type { SessionChanges } from '../session/session-changes.js';
import { Session } from '../session/session.js';
import type { SessionWithData } from '../session/session-data.js';
import type { SessionRecord, SessionStore } from '../store/session-store.js';

/** The stored record, removed: atomically with `take`, else read then destroyed. */
export async function takeStored(store: SessionStore, sessionId: string): Promise<unknown> {
  if (store.take) return store.take(sessionId);
  const record = await store.get(sessionId);
  await store.destroy(sessionId);
  return record;
}

/** The stored data with one request's changes applied: what `rotate()` moves to the new id. */
export function withChanges(stored: SessionRecord, changes: SessionChanges): Record<string, unknown> {
  const data: Record<string, unknown> = { ...stored };
  // Flash messages are added and removed one by one, as a merging store does.
  const { flash } = changes;
  for (const key of changes.deletedKeys) if (!(flash && key === FLASH_KEY)) delete data[key];
  for (const [key, valueJson] of changes.setKeys) if (!(flash && key === FLASH_KEY)) data[key] = JSON.parse(valueJson);
  if (flash) applyFlashChanges(data, flash);
  return data;
}

/** The request's session when `session` is an object `rotate()` moved (once or more) to its id. */
export function rotatedSuccessor(
  rotatedTo: ReadonlyMap<string, string> | undefined,
  requestSession: SessionWithData | null | undefined,
  session: Session,
): Session | undefined {
  let sessionId = rotatedTo?.get(session.id);
  if (rotatedTo === undefined || sessionId === undefined) return undefined;
  for (let nextId = rotatedTo.get(sessionId); nextId !== undefined; nextId = rotatedTo.get(sessionId)) sessionId = nextId;
  return requestSession instanceof Session && requestSession.id === sessionId && requestSession !== session ? requestSession : undefined;
}
