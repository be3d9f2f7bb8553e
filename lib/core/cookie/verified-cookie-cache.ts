import type { SessionSecret, VerifiedCookieValue } from './cookie-signing.js';
import { verifySessionCookieValue } from './cookie-signing.js';
import { setWithinBound } from '../bounded-map.js';

/**
 * How many verified cookie values a session manager remembers. One entry is a cookie value
 * (~80 characters) and its id: ~200 bytes, so at most ~2 MB per application.
 */
export const VERIFIED_COOKIE_CACHE_CAPACITY = 10_000;

/** A cookie that verified, as the cache remembers it. */
export interface VerifiedCookieText extends VerifiedCookieValue {
  /** The signed value (`s:<id>.<signature>`), decoded from the text the request carried. */
  signedValue: string;
  /**
   * That text itself when it is exactly the value's URL-encoded form (what a `Set-Cookie` of
   * this value carries): the cookie can then be written back as it came, without encoding.
   */
  encodedValue: string | undefined;
}

/**
 * Cookie values that already passed the HMAC check, so a client sending the same cookie on
 * every request costs one HMAC-SHA256 per distinct value instead of one per request. Keyed by
 * the cookie's text as the request carried it (before URL-decoding), so a returning cookie is
 * neither decoded nor, when it is sent back, encoded again.
 *
 * Why this cannot weaken the check:
 * - only values that verified are remembered, keyed by their exact text: a lookup finds an
 *   entry only for a byte-identical value, and any other value (a different signature, id
 *   or prefix) goes through the full, timing-safe HMAC comparison;
 * - a `Map` lookup hashes the whole string and compares it with the entry's key, which
 *   tells an attacker nothing about the signature a forged value would need;
 * - the entries belong to one set of secrets, compared by value on every lookup (strings by
 *   content, Buffers by their bytes when the set was remembered): a different set — rotation,
 *   a removed secret, an array changed in place, another `req.secret` — empties the cache first;
 * - it holds at most `capacity` entries; the oldest is dropped for each new one, so no more
 *   raw ids than that stay reachable from it, and its keys are copies (not slices of a whole
 *   `Cookie` header, which would keep the header alive).
 */
export class VerifiedCookieCache {
  readonly #entries = new Map<string, VerifiedCookieText>();
  /** The secrets the entries verified with; Buffers copied so later changes are noticed. */
  #secrets: readonly SessionSecret[] = [];

  constructor(
    readonly capacity: number = VERIFIED_COOKIE_CACHE_CAPACITY,
    /** The real check, run for every value not in the cache. */
    private readonly verifyWithHmac: typeof verifySessionCookieValue = verifySessionCookieValue,
  ) {}

  /** Number of values remembered. */
  get size(): number {
    return this.#entries.size;
  }

  /** Whether this exact value is remembered as verified with the current secrets. */
  has(cookieValue: string): boolean {
    return this.#entries.has(cookieValue);
  }

  /**
   * `verifySessionCookieValue` of `decode(cookieText)`, remembering the texts that verified:
   * `decode` turns the text the request carried into the signed value (URL-decoding).
   */
  verify(cookieText: string, secrets: readonly SessionSecret[], decode: (text: string) => string = keepText): VerifiedCookieText | undefined {
    if (!isSameSecretSet(this.#secrets, secrets)) {
      this.#entries.clear();
      this.#secrets = secrets.map(copySecret);
    }
    const remembered = this.#entries.get(cookieText);
    if (remembered !== undefined) return remembered;
    const signedValue = decode(cookieText);
    const verified = this.verifyWithHmac(signedValue, secrets);
    if (verified === undefined) return undefined;
    const entry = rememberedForm(cookieText, signedValue, verified);
    if (this.capacity > 0) setWithinBound(this.#entries, entry.encodedValue ?? ownCopy(cookieText), entry, this.capacity);
    return entry;
  }
}

/**
 * The entry for a verified cookie. Its strings are copies (not slices of a whole `Cookie`
 * header, which would keep the header alive); the encoded text is the signed value itself
 * when no character needed encoding. The id, `s:<id>.<sig>`'s, is a copy too, not a slice:
 * every store lookup and comparison of a sliced string goes through V8's runtime.
 */
function rememberedForm(cookieText: string, signedValue: string, verified: VerifiedCookieValue): VerifiedCookieText {
  const ownSignedValue = ownCopy(signedValue);
  const encoded = encodeURIComponent(ownSignedValue);
  const encodedValue = encoded !== cookieText ? undefined : encoded === ownSignedValue ? ownSignedValue : encoded;
  const sessionId = ownCopy(verified.sessionId);
  return { sessionId, isSignedWithCurrentSecret: verified.isSignedWithCurrentSecret, signedValue: ownSignedValue, encodedValue };
}

function keepText(text: string): string {
  return text;
}

function isSameSecretSet(remembered: readonly SessionSecret[], secrets: readonly SessionSecret[]): boolean {
  if (remembered.length !== secrets.length || secrets.length === 0) return false;
  for (let index = 0; index < secrets.length; index++) {
    const rememberedSecret = remembered[index]!;
    const secret = secrets[index]!;
    if (typeof secret === 'string') {
      if (secret !== rememberedSecret) return false;
    } else if (typeof rememberedSecret === 'string' || !Buffer.isBuffer(secret) || !secret.equals(rememberedSecret)) {
      return false;
    }
  }
  return true;
}

function copySecret(secret: SessionSecret): SessionSecret {
  return typeof secret === 'string' ? secret : Buffer.from(secret);
}

/**
 * A string that shares no memory with `text`: V8 makes substrings as views of their parent
 * (here the whole `Cookie` header). The UTF-16 round trip is lossless for any string.
 */
function ownCopy(text: string): string {
  return Buffer.from(text, 'utf16le').toString('utf16le');
}
