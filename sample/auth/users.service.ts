import { Injectable } from '@nestjs/common';
import { randomBytes, scryptSync, timingSafeEqual } from 'node:crypto';

/** A user as the sample knows it; only `id` goes into the session. */
export interface SampleUser {
  id: number;
  username: string;
  displayName: string;
}

interface Account extends SampleUser {
  passwordSalt: Buffer;
  passwordHash: Buffer;
}

function hashPassword(password: string, salt: Buffer): Buffer {
  return scryptSync(password, salt, 32);
}

function account(id: number, username: string, displayName: string, password: string): Account {
  const passwordSalt = randomBytes(16);
  return { id, username, displayName, passwordSalt, passwordHash: hashPassword(password, passwordSalt) };
}

/** The demo accounts: ada / lovelace and grace / hopper. A real app reads a database. */
const ACCOUNTS: Account[] = [account(1, 'ada', 'Ada Lovelace', 'lovelace'), account(2, 'grace', 'Grace Hopper', 'hopper')];

/** Looks users up for the strategy (by credentials) and the serializer (by id). */
@Injectable()
export class UsersService {
  /** The user with these credentials, or null. */
  findByCredentials(username: string, password: string): SampleUser | null {
    const match = ACCOUNTS.find((candidate) => candidate.username === username);
    if (!match) return null;
    const isPasswordRight = timingSafeEqual(hashPassword(password, match.passwordSalt), match.passwordHash);
    return isPasswordRight ? toUser(match) : null;
  }

  /** The user with this id, or null (e.g. deleted since the login). */
  findById(id: number): SampleUser | null {
    const match = ACCOUNTS.find((candidate) => candidate.id === id);
    return match ? toUser(match) : null;
  }
}

function toUser({ id, username, displayName }: Account): SampleUser {
  return { id, username, displayName };
}
