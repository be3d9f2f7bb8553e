import { SessionStoreError } from '../../core/errors.js';
import { PRUNE_BATCH_ROWS } from '../sql/sql-pruner.js';
import type { SqlMergeChanges } from '../sql/sql-session-row.js';
import type { OwnerWrite } from '../sql/sql-session-table.js';
import { ownerColumnValue } from '../sql/sql-owner-column.js';
import type { PostgresTable } from './postgres-table.js';

/** One statement with its bound values: ids and data are always parameters, never SQL text. */
export interface Statement {
  text: string;
  values: unknown[];
}

/**
 * The statements of `PostgresStore`, for one table. Expiry lives in `expire`, written as the
 * database's `now()` plus the session's lifetime and compared with `now()`: the database's
 * clock alone decides. On connect-pg-simple's `timestamp` column PostgreSQL converts through
 * the session's `TimeZone`, as it does for connect-pg-simple's own `to_timestamp()` writes.
 */
export class PostgresStatements {
  readonly #table: string;
  /** The `sess` column's type. */
  readonly sessType: 'json' | 'jsonb';
  /** Cast of a computed jsonb value back to the column's type. */
  readonly #sessCast: string;
  readonly #hasOwnerColumn: boolean;
  /** The stored value's JSON type, read without making it jsonb (`json_typeof` looks at its first token only). */
  readonly #sessTypeOf: string;
  // The texts of every request's statements, built once: a request only binds its values.
  readonly #getText: string;
  readonly #touchText: string;
  /** `merge`'s texts by variant (`mergeVariant`), built on first use. */
  readonly #mergeTexts: Array<string | undefined> = [];

  constructor(table: PostgresTable) {
    this.#table = table.sqlName;
    this.sessType = table.sessType;
    this.#sessCast = table.sessType === 'json' ? '::json' : '';
    this.#hasOwnerColumn = table.hasOwnerColumn;
    this.#sessTypeOf = table.sessType === 'json' ? 'json_typeof(sess)' : 'jsonb_typeof(sess)';
    this.#getText = `SELECT sess::text AS sess FROM ${this.#table} WHERE sid = $1 AND expire > now()`;
    this.#touchText = `UPDATE ${this.#table} SET expire = ${expiresIn('$2')} WHERE sid = $1 AND expire > now()`;
  }

  get(sessionId: string): Statement {
    return { text: this.#getText, values: [sessionId] };
  }

  /** Writes whatever is stored (an expired row is replaced as if absent); the owner is kept when unknown, dropped with an expired row. */
  upsert(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Statement {
    if (!this.#hasOwnerColumn) {
      return {
        text: `INSERT INTO ${this.#table} AS s (sid, sess, expire) VALUES ($1, $2, ${expiresIn('$3')}) ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire`,
        values: [sessionId, sessJson, lifetimeMs],
      };
    }
    const ownerOnConflict = owner === undefined ? 'CASE WHEN s.expire > now() THEN s.owner END' : 'EXCLUDED.owner';
    return {
      text: `INSERT INTO ${this.#table} AS s (sid, sess, expire, owner) VALUES ($1, $2, ${expiresIn('$3')}, $4) ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire, owner = ${ownerOnConflict}`,
      values: [sessionId, sessJson, lifetimeMs, ownerColumnValue(owner)],
    };
  }

  /** Writes only when no live row has the id (an expired one is taken over): one row affected when written. */
  create(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Statement {
    const [ownerColumn, ownerValue, ownerSet] = this.#hasOwnerColumn ? [', owner', ', $4', ', owner = EXCLUDED.owner'] : ['', '', ''];
    return {
      text:
        `INSERT INTO ${this.#table} AS s (sid, sess, expire${ownerColumn}) VALUES ($1, $2, ${expiresIn('$3')}${ownerValue}) ` +
        `ON CONFLICT (sid) DO UPDATE SET sess = EXCLUDED.sess, expire = EXCLUDED.expire${ownerSet} WHERE s.expire <= now()`,
      values: this.#hasOwnerColumn ? [sessionId, sessJson, lifetimeMs, ownerColumnValue(owner)] : [sessionId, sessJson, lifetimeMs],
    };
  }

  /** Writes only over a live row: a destroyed (or expired) session is never brought back. */
  update(sessionId: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Statement {
    const values: unknown[] = [sessionId, sessJson, lifetimeMs];
    const ownerSet = this.#ownerSet(owner, values);
    return { text: `UPDATE ${this.#table} SET sess = $2, expire = ${expiresIn('$3')}${ownerSet} WHERE sid = $1 AND expire > now()`, values };
  }

  /**
   * Writes over a live row only while it still holds `expectedText` (the value as `load` read
   * it, `sess::text`): a compare-and-swap on the whole value.
   */
  compareAndSet(sessionId: string, expectedText: string, sessJson: string, lifetimeMs: number, owner: OwnerWrite): Statement {
    const values: unknown[] = [sessionId, sessJson, lifetimeMs];
    const ownerSet = this.#ownerSet(owner, values);
    values.push(expectedText);
    return {
      text: `UPDATE ${this.#table} SET sess = $2, expire = ${expiresIn('$3')}${ownerSet} WHERE sid = $1 AND expire > now() AND sess::text = $${values.length}`,
      values,
    };
  }

  /** Whether a live row has the id. */
  isLive(sessionId: string): Statement {
    return { text: `SELECT 1 FROM ${this.#table} WHERE sid = $1 AND expire > now()`, values: [sessionId] };
  }

  /** Deletes the row; answers whether it was live (`live` of the row returned). */
  deleteReportingLive(sessionId: string): Statement {
    return { text: `DELETE FROM ${this.#table} WHERE sid = $1 RETURNING expire > now() AS live`, values: [sessionId] };
  }

  destroy(sessionId: string): Statement {
    return { text: `DELETE FROM ${this.#table} WHERE sid = $1`, values: [sessionId] };
  }

  /** Deletes a row found unreadable, unless it was rewritten since. */
  destroyUnreadable(sessionId: string, sessText: string): Statement {
    return { text: `DELETE FROM ${this.#table} WHERE sid = $1 AND sess::text = $2`, values: [sessionId, sessText] };
  }

  touch(sessionId: string, lifetimeMs: number): Statement {
    return { text: this.#touchText, values: [sessionId, lifetimeMs] };
  }

  /** Deletes the row and returns it, with whether it was live: one statement, so one of two takes gets it. */
  take(sessionId: string): Statement {
    return { text: `DELETE FROM ${this.#table} WHERE sid = $1 RETURNING sess::text AS sess, expire > now() AS live`, values: [sessionId] };
  }

  /**
   * One request's changes applied to the stored value by jsonb operators in one UPDATE, which
   * PostgreSQL re-evaluates on the newest row when another request's write came first: keys
   * deleted (`-`), keys set and the cookie (`||`), flash messages removed and added one by one
   * inside `__flash` (dropped once empty). A stored value that is not an object counts as `{}`.
   */
  merge(sessionId: string, lifetimeMs: number, cookieJson: string, changes: SqlMergeChanges, owner: OwnerWrite): Statement {
    const values: unknown[] = [sessionId, lifetimeMs, changes.setJson, cookieJson, changes.deletedKeys];
    if (changes.flash) values.push(changes.flash.removedIds, changes.flash.addedJson);
    const setsOwner = owner !== undefined && this.#hasOwnerColumn;
    if (setsOwner) values.push(ownerColumnValue(owner));
    const ownerParameter = setsOwner ? values.length : undefined;
    // A json column keeps the text as written: the row still holds what the request loaded when its text is that text.
    const { unchangedSinceLoad } = changes;
    const writesWhole = unchangedSinceLoad !== undefined && this.sessType === 'json';
    if (writesWhole) values.push(unchangedSinceLoad.loadedText, unchangedSinceLoad.wholeJson);
    const loadedParameter = writesWhole ? values.length - 1 : undefined;
    const variant = (writesWhole ? 4 : 0) + (changes.flash ? 2 : 0) + (setsOwner ? 1 : 0);
    const text = (this.#mergeTexts[variant] ??= this.#mergeText(changes.flash !== undefined, ownerParameter, loadedParameter));
    return { text, values };
  }

  /**
   * `merge`'s text: with the flash parameters ($6, $7) or not, with the owner as parameter
   * `ownerParameter` or not, and with the loaded text and the whole value as parameters
   * `loadedParameter` and the next: the whole value written, without reading the stored JSON,
   * when the row's text is still the loaded one (PostgreSQL evaluates only the CASE branch taken).
   */
  #mergeText(hasFlash: boolean, ownerParameter: number | undefined, loadedParameter: number | undefined): string {
    const base = `(CASE WHEN ${this.#sessTypeOf} = 'object' THEN sess::jsonb ELSE '{}'::jsonb END)`;
    const withKeys = `((${base} - $5::text[]) || $3::jsonb || jsonb_build_object('cookie', $4::jsonb))`;
    let merged = withKeys;
    if (hasFlash) {
      const storedFlash = `(CASE WHEN jsonb_typeof(${base} -> '__flash') = 'object' THEN ${base} -> '__flash' ELSE '{}'::jsonb END)`;
      const flash = `(((${storedFlash} - $6::text[]) || $7::jsonb) - $6::text[])`;
      merged = `(CASE WHEN ${flash} = '{}'::jsonb THEN ${withKeys} - '__flash' ELSE ${withKeys} || jsonb_build_object('__flash', ${flash}) END)`;
    }
    let sess = `${merged}${this.#sessCast}`;
    if (loadedParameter !== undefined) sess = `CASE WHEN sess::text = $${loadedParameter} THEN $${loadedParameter + 1}::json ELSE ${sess} END`;
    const ownerSet = ownerParameter === undefined ? '' : `, owner = $${ownerParameter}`;
    return `UPDATE ${this.#table} SET sess = ${sess}, expire = ${expiresIn('$2')}${ownerSet} WHERE sid = $1 AND expire > now()`;
  }

  /**
   * Removes the flash messages asked for that are there, and answers their ids (`taken`): the
   * row is locked first (`FOR UPDATE`), so of two overlapping takes the second sees the
   * messages gone.
   */
  takeFlashMessages(sessionId: string, messageIds: readonly string[]): Statement {
    const remaining = `((sess::jsonb -> '__flash') - found.ids)`;
    return {
      text:
        `WITH target AS (SELECT sess::jsonb -> '__flash' AS flash FROM ${this.#table} WHERE sid = $1 AND expire > now() FOR UPDATE), ` +
        `found AS (SELECT coalesce(array_agg(DISTINCT id), '{}'::text[]) AS ids FROM target, unnest($2::text[]) AS id WHERE jsonb_typeof(target.flash) = 'object' AND target.flash ? id), ` +
        `removed AS (UPDATE ${this.#table} SET sess = (CASE WHEN ${remaining} = '{}'::jsonb THEN sess::jsonb - '__flash' ELSE jsonb_set(sess::jsonb, '{__flash}', ${remaining}) END)${this.#sessCast} ` +
        `FROM found WHERE sid = $1 AND cardinality(found.ids) > 0) ` +
        'SELECT ids AS taken FROM found',
      values: [sessionId, messageIds],
    };
  }

  /** Through the partial index on `owner`: the owner's rows only. */
  ownerSessionIds(ownerId: string): Statement {
    this.#requireOwnerColumn();
    return { text: `SELECT sid FROM ${this.#table} WHERE owner = $1 AND expire > now()`, values: [ownerColumnValue(ownerId)] };
  }

  removeFromOwnerIndex(ownerId: string, sessionIds: readonly string[]): Statement {
    this.#requireOwnerColumn();
    return { text: `UPDATE ${this.#table} SET owner = NULL WHERE owner = $1 AND sid = ANY($2::text[])`, values: [ownerColumnValue(ownerId), sessionIds] };
  }

  all(): Statement {
    return { text: `SELECT sid, sess::text AS sess FROM ${this.#table} WHERE expire > now()`, values: [] };
  }

  ids(): Statement {
    return { text: `SELECT sid FROM ${this.#table} WHERE expire > now()`, values: [] };
  }

  length(): Statement {
    return { text: `SELECT count(*)::int AS count FROM ${this.#table} WHERE expire > now()`, values: [] };
  }

  clear(): Statement {
    return { text: `DELETE FROM ${this.#table}`, values: [] };
  }

  /** One batch of expired rows, oldest first through the `expire` index; rows locked by requests are left for later. */
  pruneBatch(): Statement {
    return {
      text: `DELETE FROM ${this.#table} WHERE sid IN (SELECT sid FROM ${this.#table} WHERE expire <= now() ORDER BY expire LIMIT $1 FOR UPDATE SKIP LOCKED)`,
      values: [PRUNE_BATCH_ROWS],
    };
  }

  #requireOwnerColumn(): void {
    if (this.#hasOwnerColumn) return;
    throw new SessionStoreError(
      `nest-sessions: PostgresStore's table ${this.#table} has no owner column, which UserSessions needs: let the store add it (createTable: true) or run ALTER TABLE ${this.#table} ADD COLUMN "owner" text (see docs/postgres.md)`,
    );
  }

  /** `, owner = $n` (the value appended to `values`) when the owner is known and the column there. */
  #ownerSet(owner: OwnerWrite, values: unknown[]): string {
    if (owner === undefined || !this.#hasOwnerColumn) return '';
    values.push(ownerColumnValue(owner));
    return `, owner = $${values.length}`;
  }
}

/** `now()` plus a parameter's milliseconds. */
function expiresIn(lifetimeParameter: string): string {
  return `now() + ${lifetimeParameter}::double precision * interval '1 millisecond'`;
}
