import type { JsonMember, SqlMergeChanges } from '../sql/sql-session-row.js';

/** A path to a top-level member (or, under `parent`, a member of it) as MySQL's JSON functions take it: `$."key"`. */
function memberPath(key: string, parent?: string): string {
  return parent === undefined ? `$.${JSON.stringify(key)}` : `$.${JSON.stringify(parent)}.${JSON.stringify(key)}`;
}

/** The SQL of an expression and its bound values, in the order their `?` appear. */
class BoundSql {
  readonly values: unknown[] = [];

  /** `?` for `value`, recorded. */
  bind(value: unknown): string {
    this.values.push(value);
    return '?';
  }

  /** `JSON_REMOVE(json, ?, …)` for the members named, or `json` itself for none. */
  removing(json: string, keys: readonly string[], parent?: string): string {
    if (keys.length === 0) return json;
    return `JSON_REMOVE(${json}, ${keys.map((key) => this.bind(memberPath(key, parent))).join(', ')})`;
  }

  /** `JSON_SET(json, ?, JSON_EXTRACT(?, '$'), …)`: each member set to a JSON value (not to a string). */
  setting(json: string, members: readonly JsonMember[]): string {
    if (members.length === 0) return json;
    const pairs = members.map(([key, valueJson]) => `${this.bind(memberPath(key))}, JSON_EXTRACT(${this.bind(valueJson)}, '$')`);
    return `JSON_SET(${json}, ${pairs.join(', ')})`;
  }
}

/** The stored value, or `{}` when it is not a JSON object (CASE, so invalid text is never handed to JSON_TYPE). */
const STORED_OBJECT = "COALESCE(CASE WHEN JSON_VALID(data) THEN CASE WHEN JSON_TYPE(data) = 'OBJECT' THEN data END END, JSON_OBJECT())";
const STORED_FLASH = `COALESCE(CASE WHEN JSON_TYPE(JSON_EXTRACT(${STORED_OBJECT}, '$.__flash')) = 'OBJECT' THEN JSON_EXTRACT(${STORED_OBJECT}, '$.__flash') END, JSON_OBJECT())`;

/**
 * The new `data` of a merge, computed from the stored one by JSON functions in one UPDATE
 * (InnoDB evaluates it on the newest row, under the row's lock): keys deleted, keys set and the
 * cookie replaced, flash messages removed and added one by one inside `__flash` (dropped once
 * empty). Keys and values are bound parameters; only the shape of the expression varies.
 */
export function mergedDataSql(cookieJson: string, changes: SqlMergeChanges): { sql: string; values: unknown[] } {
  const bound = new BoundSql();
  const withKeys = () => bound.setting(bound.removing(STORED_OBJECT, changes.deletedKeys), [['cookie', cookieJson], ...changes.setMembers]);
  const { flash } = changes;
  if (!flash) return { sql: withKeys(), values: bound.values };
  const newFlash = () => bound.removing(bound.setting(bound.removing(STORED_FLASH, flash.removedIds), flash.addedMembers), flash.removedIds);
  // Template parts are evaluated left to right: the values are bound in the order their `?` appear.
  const sql = `IF(JSON_LENGTH(${newFlash()}) = 0, JSON_REMOVE(${withKeys()}, '$.__flash'), JSON_SET(${withKeys()}, '$.__flash', JSON_EXTRACT(${newFlash()}, '$')))`;
  return { sql, values: bound.values };
}

/** The new `data` once the flash messages `messageIds` (known to be there) are taken: `__flash` goes once empty. */
export function withoutFlashMessagesSql(messageIds: readonly string[]): { sql: string; values: unknown[] } {
  const bound = new BoundSql();
  const sql = `IF(JSON_LENGTH(${bound.removing("JSON_EXTRACT(data, '$.__flash')", messageIds)}) = 0, JSON_REMOVE(data, '$.__flash'), ${bound.removing('data', messageIds, '__flash')})`;
  return { sql, values: bound.values };
}
