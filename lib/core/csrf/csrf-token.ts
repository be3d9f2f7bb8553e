import { randomBytes } from 'node:crypto';

/**
 * The reserved session key holding the CSRF secret (32 random bytes, base64url), created on
 * first use. Only masked tokens derived from it leave the server.
 */
export const CSRF_SECRET_KEY = '__csrf';

const SECRET_BYTES = 32;
/** A masked token is the pad then the pad XOR the secret, base64url: 64 bytes, 86 characters. */
const MASKED_TOKEN_LENGTH = 86;
const SECRET_TEXT_LENGTH = 43;

/** A session's data, as `Session` holds it (session.ts calls this file, so the class is not imported). */
type SessionValues = Record<string, unknown>;

/** The session's secret as bytes; undefined when it has none (or a stored value that is not one). */
function secretOf(session: object): Buffer | undefined {
  const stored = (session as SessionValues)[CSRF_SECRET_KEY];
  if (typeof stored !== 'string' || stored.length !== SECRET_TEXT_LENGTH) return undefined;
  // Node skips characters that are not base64url: such a value decodes short and is refused.
  const secret = Buffer.from(stored, 'base64url');
  return secret.length === SECRET_BYTES ? secret : undefined;
}

/**
 * A token for the session's forms and clients: a fresh random pad and the secret XOR that pad,
 * so no two responses carry the same bytes (BREACH cannot recover it through compression) while
 * every token stays valid for the session. Creates the secret, which modifies the session, on
 * first use.
 */
export function maskedCsrfToken(session: object): string {
  let secret = secretOf(session);
  if (!secret) {
    secret = randomBytes(SECRET_BYTES);
    (session as SessionValues)[CSRF_SECRET_KEY] = secret.toString('base64url');
  }
  const pad = randomBytes(SECRET_BYTES);
  return Buffer.concat([pad, xor(pad, secret)]).toString('base64url');
}

/**
 * Whether `token` (untrusted: anything a header or a body carried) was derived from the
 * session's secret. Wrong types, lengths and characters are refused without throwing; the
 * comparison itself takes constant time.
 */
export function isValidCsrfToken(session: object | null | undefined, token: unknown): boolean {
  if (typeof token !== 'string' || token.length !== MASKED_TOKEN_LENGTH || !session) return false;
  const stored = (session as SessionValues)[CSRF_SECRET_KEY];
  if (typeof stored !== 'string' || stored.length !== SECRET_TEXT_LENGTH) return false;
  // Decoded into buffers of this module (the check is synchronous): no allocation per request.
  // Node skips characters that are not base64url: such a value decodes short and is refused.
  if (scratchSecret.write(stored, 'base64url') !== SECRET_BYTES) return false;
  if (scratchToken.write(token, 'base64url') !== 2 * SECRET_BYTES) return false;
  // pad XOR masked XOR secret is 0 for every byte of a token of this session. The differences
  // are OR-ed over all 32 bytes, without an early exit: the time taken says nothing of where
  // a forged token first differs (timingSafeEqual's guarantee, without a call into C++).
  let difference = 0;
  for (let index = 0; index < SECRET_BYTES; index += 1) {
    difference |= scratchToken[index]! ^ scratchToken[SECRET_BYTES + index]! ^ scratchSecret[index]!;
  }
  return difference === 0;
}

const scratchSecret = Buffer.alloc(SECRET_BYTES);
const scratchToken = Buffer.alloc(2 * SECRET_BYTES);

/** Removes the secret: a session moved to a new id (`rotate()`) must not keep tokens issued before. */
export function dropCsrfSecret(session: object): void {
  delete (session as SessionValues)[CSRF_SECRET_KEY];
}

function xor(first: Buffer, second: Buffer): Buffer {
  const result = Buffer.allocUnsafe(first.length);
  for (let index = 0; index < first.length; index += 1) result[index] = first[index]! ^ second[index]!;
  return result;
}
