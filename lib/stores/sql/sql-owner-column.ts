import { createHash } from 'node:crypto';

/** Owner ids longer than this are stored hashed: they fit MySQL's varchar(255) index, whatever their characters. */
const LONGEST_STORED_OWNER = 191;
/** Marks a hashed owner id; ids starting with it are hashed too, so no id is mistaken for another's hash. */
const HASHED_OWNER_PREFIX = '~sha256:';

/**
 * An owner id as the `owner` column holds it: as it is, unless the column could not hold it
 * (a NUL character, which PostgreSQL's text refuses, or more than 191 characters), then as the
 * prefix and its SHA-256. Writes and lookups use the same value, and it is never read back
 * (the session's data names its owner), so the column only has to tell owners apart.
 */
export function ownerColumnValue(ownerId: string | null | undefined): string | null {
  if (typeof ownerId !== 'string') return null;
  const isStorable = ownerId.length <= LONGEST_STORED_OWNER && !ownerId.includes('\u0000') && !ownerId.startsWith(HASHED_OWNER_PREFIX);
  return isStorable ? ownerId : HASHED_OWNER_PREFIX + createHash('sha256').update(ownerId).digest('hex');
}
