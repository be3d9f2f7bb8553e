/** A constructor that returns the object it is given, so a subclass's fields are added to that object. */
class ReturnsGiven {
  constructor(target: object) {
    return target;
  }
}

/**
 * The entry a record `get` returned was parsed from, kept on the record itself in a private
 * field: invisible to handlers, JSON and copies, and no WeakMap entry per read (an ephemeron the
 * GC traces at every scavenge).
 */
export class RecordEntryStamp extends ReturnsGiven {
  #entry: string;

  private constructor(record: object, entry: string) {
    super(record);
    this.#entry = entry;
  }

  /** Notes that `record` (a fresh parse, never stamped before) was read from `entry`. */
  static stamp(record: object, entry: string): void {
    new RecordEntryStamp(record, entry);
  }

  /** The entry `record` was read from; undefined for a record no `get` returned. */
  static entryOf(record: unknown): string | undefined {
    return typeof record === 'object' && record !== null && #entry in record ? (record as RecordEntryStamp).#entry : undefined;
  }
}
