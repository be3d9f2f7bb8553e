import { PostgresStatements } from '../../../lib/stores/postgres/postgres-statements.js';
import type { SqlMergeChanges } from '../../../lib/stores/sql/sql-session-row.js';

const TABLE = { sqlName: '"session"', sessType: 'json', hasOwnerColumn: true } as const;
const KEYS_ONLY: SqlMergeChanges = { setMembers: [['views', '1']], setJson: '{"views":1}', deletedKeys: [] };
const WITH_FLASH: SqlMergeChanges = { ...KEYS_ONLY, flash: { addedMembers: [['m1', '"hi"']], addedJson: '{"m1":"hi"}', removedIds: ['m0'] } };

/** The statements of every request are built once per table; only their values change from one request to the next. */
describe("PostgresStore's statements", () => {
  it('give get and touch the same text on every call, with the request values bound', () => {
    const statements = new PostgresStatements(TABLE);
    expect(statements.get('a').text).toBe(statements.get('b').text);
    expect(statements.get('b').values).toEqual(['b']);
    expect(statements.touch('a', 1000).text).toBe(statements.touch('b', 2000).text);
    expect(statements.touch('b', 2000).values).toEqual(['b', 2000]);
  });

  it.each([
    ['keys only, owner unknown', KEYS_ONLY, undefined, 5, undefined],
    ['keys only, owner known', KEYS_ONLY, 'ada', 6, '$6'],
    ['flash messages, owner unknown', WITH_FLASH, undefined, 7, undefined],
    ['flash messages, owner known', WITH_FLASH, 'ada', 8, '$8'],
  ])('merge with %s: one text for the variant, the owner its last parameter', (_label, changes, owner, valueCount, ownerParameter) => {
    const statements = new PostgresStatements(TABLE);
    const first = statements.merge('a', 1000, '{}', changes, owner);
    const second = statements.merge('b', 2000, '{"path":"/"}', changes, owner);
    expect(second.text).toBe(first.text);
    expect(second.values).toHaveLength(valueCount);
    expect(second.values.slice(0, 4)).toEqual(['b', 2000, '{"views":1}', '{"path":"/"}']);
    if (ownerParameter === undefined) expect(first.text).not.toContain('owner =');
    else {
      expect(first.text).toContain(`owner = ${ownerParameter} `);
      expect(second.values.at(-1)).toBe('ada');
    }
    expect(first.text.includes('$7::jsonb')).toBe(changes.flash !== undefined);
  });

  it('merge texts of different variants stay apart, and no owner is set on a table without the column', () => {
    const statements = new PostgresStatements(TABLE);
    const texts = new Set([KEYS_ONLY, WITH_FLASH].flatMap((changes) => [undefined, 'ada'].map((owner) => statements.merge('a', 1, '{}', changes, owner).text)));
    expect(texts.size).toBe(4);
    const withoutOwnerColumn = new PostgresStatements({ ...TABLE, hasOwnerColumn: false });
    const merge = withoutOwnerColumn.merge('a', 1, '{}', KEYS_ONLY, 'ada');
    expect(merge.text).not.toContain('owner =');
    expect(merge.values).toHaveLength(5);
  });
});
