/**
 * nest-sessions: server-side HTTP sessions for NestJS, compatible with express-session's
 * cookies, stores and `req.session`.
 */

// Nest integration
export { SessionModule } from './nest/session.module.js';
export { SESSION_MODULE_OPTIONS } from './nest/session.module-definition.js';
export type { SessionOptionsFactory } from './nest/session.module-definition.js';
export type { SessionModuleOptions, SessionRoute, SessionExcludedRoute, SessionFollowerMiddleware, IsAuthenticated } from './nest/session-module-options.interface.js';
export { Session, SessionParamPipe } from './nest/session.decorator.js';
export { Flash, FlashParamPipe } from './nest/flash.decorator.js';
export type { FlashChanges, FlashMessages } from './core/session/flash.js';
export type { RequestWithSession, ResponseWithSession } from './nest/session.decorator.js';
export { SessionGuard, hasSignedInUser } from './nest/session.guard.js';
export { RequireSessionKeys, SkipSessionGuard, REQUIRED_SESSION_KEYS, SKIP_SESSION_GUARD } from './nest/session-guard.decorators.js';
export { SkipSessionTouch, SKIP_SESSION_TOUCH } from './nest/skip-session-touch.decorator.js';
export { SkipSessionTouchGuard } from './nest/skip-session-touch.guard.js';
export { RequireFreshSession } from './nest/require-fresh-session.decorator.js';
export { FreshSessionGuard, FRESH_SESSION_MAX_AGE, REAUTHENTICATE_REASON } from './nest/fresh-session.guard.js';
export { CsrfGuard } from './nest/csrf.guard.js';
export { CsrfToken, SkipCsrf, SKIP_CSRF } from './nest/csrf.decorator.js';
export { SessionToken } from './nest/session-token.decorator.js';
export type { CsrfOptions } from './core/csrf/csrf-options.js';
export type { CsrfRefusedReason } from './core/csrf/csrf-decision.js';
export { SessionMiddleware } from './nest/session.middleware.js';
export { SessionStoreExceptionFilter } from './nest/session-store-exception.filter.js';
export { SessionResolver } from './nest/session-resolver.service.js';
export { SessionWsInterceptor } from './nest/websocket/session-ws.interceptor.js';
export type { SessionSocket } from './nest/websocket/session-ws.message.js';

// Framework-free core
export { SessionManager, attachOutcomeOf } from './core/management/session-manager.js';
export type { AttachOutcome } from './core/management/session-manager.js';
export { createSessionMiddleware } from './connect/connect-middleware.js';
export type { SessionOptions, SessionCookieOptions, SessionHeaderOptions, SameSiteOption, UnsetBehaviour, StoreUnavailableBehaviour } from './core/options/session-options.js';
export { resolveSessionOptions } from './core/options/resolve-options.js';
export type { SessionData } from './core/session/session-data.js';
export type { SessionWithData, SessionRequest, SessionResponse } from './core/http/http-types.js';
export type { SessionCallback } from './core/session/session.js';
export { SessionCookie } from './core/cookie/session-cookie.js';
export type { StoredCookie } from './core/cookie/session-cookie.js';
export { signSessionId, unsignSessionId } from './core/cookie/cookie-signing.js';
export { generateSessionId } from './core/session/session-id.js';
export { hashedSessionKey } from './core/session/session-storage-key.js';
export type { HashIdsMode } from './core/session/session-storage-key.js';
export { SessionOptionsError, SessionCookieError, SessionStoreError, SessionStoreUnavailableError, SessionStateError } from './core/errors.js';

// Sessions of a user
export { UserSessions, SessionStoreNotSupportedError } from './core/management/user-sessions.js';
export type { UserSessionInfo, RevokeAllOptions } from './core/management/user-sessions.js';
export { defaultSessionOwner } from './core/store/session-owner-index.js';
export type { SessionOwnerResolver } from './core/store/session-owner-index.js';
export type { SessionActivity } from './core/lifecycle/session-activity.js';

// Lifecycle events (node:diagnostics_channel)
export { SESSION_CHANNELS } from './core/lifecycle/session-events.js';
export type { SessionEvent, SessionEventName, SessionRegeneratedEvent, SessionRotatedEvent, SessionDestroyedEvent, SessionDestroyReason, CsrfRefusedEvent, SessionUnreadableEvent } from './core/lifecycle/session-events.js';

// Stores
export { SessionStore } from './core/store/session-store.js';
export type { SessionRecord, StoreWriteMode, StoreWriteOptions } from './core/store/session-store.js';
export type { SessionChanges } from './core/session/session-changes.js';
export type { CompareAndSetOutcome } from './core/store/session-store.js';
export type { EncryptionOptions, EncryptionKey } from './core/store/at-rest/encryption-keys.js';
export type { UnreadableReason } from './core/store/at-rest/sealed-record.js';
export { CallbackStoreAdapter, toSessionStore } from './core/store/callback-store-adapter.js';
export { HashedIdStore } from './core/store/at-rest/hashed-id-store.js';
export type { HashedIdStoreOptions } from './core/store/at-rest/hashed-id-store.js';
export type { CallbackSessionStore } from './core/store/callback-store-adapter.js';
export { MemoryStore } from './stores/memory/memory-store.js';
export type { MemoryStoreOptions } from './stores/memory/memory-store.js';
// RedisStore: import it from 'nest-sessions/redis' (lib/redis.ts), so that apps on the
// MemoryStore never load ioredis.
