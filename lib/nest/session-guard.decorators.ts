import { SetMetadata } from '@nestjs/common';
import type { SessionData } from '../core/session/session-data.js';

/** Metadata key of `@RequireSessionKeys()`. */
export const REQUIRED_SESSION_KEYS = 'nest-sessions:requiredSessionKeys';
/** Metadata key of `@SkipSessionGuard()`. */
export const SKIP_SESSION_GUARD = 'nest-sessions:skipSessionGuard';

/**
 * On a route or controller guarded by `SessionGuard`: the session must also hold a value
 * (not null/undefined) under each of these keys, or the request gets 403 naming the missing
 * keys (401 stays for a session that is not signed in).
 */
export const RequireSessionKeys = (...keys: Array<keyof SessionData | (string & {})>) =>
  SetMetadata(REQUIRED_SESSION_KEYS, keys);

/** Lets a route (or controller) through a globally registered `SessionGuard`: login pages, health checks. */
export const SkipSessionGuard = () => SetMetadata(SKIP_SESSION_GUARD, true);
