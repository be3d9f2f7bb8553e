import type { SqlMergeChanges } from './sql-session-row.js';

/** What to do with the owner column: set it (a string, or `null` to leave every index), or keep it (`undefined`). */
export type OwnerWrite = string | null | undefined;

/**
 * One SQL database's statements on the sessions table, as `SqlSessionStore` runs them. Rows
 * hold the session's JSON text; "live" means not expired by the database's clock. Lifetimes
 * are milliseconds from the database's now. Each method is one atomic step.
 */
export interface SqlSessionTable {
  /** The live row's JSON text. */
  load(sessionId: string): Promise<string | undefined>;
  /** Writes only where no live row has the id (an expired one is taken over); whether it wrote. */
  create(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean>;
  /** Writes only over a live row; whether it wrote. */
  update(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean>;
  /** Writes whatever is stored; an unknown owner is kept (dropped with an expired row). */
  upsert(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<void>;
  /** Writes over a live row only while it holds `expectedText` (as `load` read it), byte for byte; whether it wrote. */
  compareAndSet(sessionId: string, expectedText: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Promise<boolean>;
  isLive(sessionId: string): Promise<boolean>;
  /** Deletes the row; whether it was live. */
  deleteReportingLive(sessionId: string): Promise<boolean>;
  destroy(sessionId: string): Promise<void>;
  /** Deletes a row found unreadable, unless it was rewritten since. */
  destroyUnreadable(sessionId: string, sessText: string): Promise<void>;
  /** Moves the expiry of a live row; whether there was one. */
  touch(sessionId: string, lifetimeMs: number): Promise<boolean>;
  /**
   * Applies one request's changes to a live row (see `SqlMergeChanges`); whether there was one,
   * or `'write-whole'` when the database's JSON functions cannot read the stored value (the
   * store then writes the request's whole record, as an update).
   */
  merge(sessionId: string, lifetimeMs: number, cookieJson: string, changes: SqlMergeChanges, owner: OwnerWrite): Promise<boolean | 'write-whole'>;
  /** Whether `merge` writes `changes.unchangedSinceLoad` when the row is unchanged: the store then keeps the text of every row it loads. */
  readonly writesWholeWhenUnchanged: boolean;
  /** Deletes the row and answers its text if it was live. */
  take(sessionId: string): Promise<string | undefined>;
  /** Removes those of the flash messages that are there; their ids, or `undefined` when the JSON functions cannot read the value. */
  takeFlashMessages(sessionId: string, messageIds: readonly string[]): Promise<string[] | undefined>;
  ownerSessionIds(ownerId: string): Promise<string[]>;
  removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Promise<void>;
  /** Every live row: id and JSON text. */
  all(): Promise<Array<[sessionId: string, sessText: string]>>;
  ids(): Promise<string[]>;
  length(): Promise<number>;
  clear(): Promise<void>;
  /**
   * Under the database's lock for pruning this table, if no other instance holds it: `prune`
   * deletes batches of expired rows (`deleteBatch` answers how many it deleted). `false` when
   * the lock was taken.
   */
  withPruneLock(prune: (deleteBatch: () => Promise<number>) => Promise<void>): Promise<boolean>;
  /** One cheap statement: answers once the database does. */
  probe(): Promise<unknown>;
  /** Finds the table, or creates what is missing (`createTable`); once, again after a failure. */
  prepare(): Promise<unknown>;
}
