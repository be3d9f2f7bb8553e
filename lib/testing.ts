/**
 * nest-sessions/testing: helpers for an application's own e2e tests.
 */
import type { INestApplication } from '@nestjs/common';
import { signSessionId } from './core/cookie/cookie-signing.js';
import { SessionStateError } from './core/errors.js';
import type { SessionRequest } from './core/http/http-types.js';
import type { Session } from './core/session/session.js';
import type { SessionData } from './core/session/session-data.js';
import { SessionManager } from './core/management/session-manager.js';

/**
 * Stores a new session holding `data` in the app's own store, through the app's own session
 * options (cookie, owner index, `absoluteTimeout`), and returns the `Cookie` header value
 * that carries it, so a test can start signed in without going through a login form:
 *
 * ```ts
 * const cookie = await sessionCookie(app, { userId: 'ada' });
 * await request(app.getHttpServer()).get('/profile').set('Cookie', cookie).expect(200);
 * ```
 *
 * Keys that name a session method or `cookie` are ignored, as when a session is loaded.
 */
export async function sessionCookie(app: INestApplication, data: Partial<SessionData> = {}): Promise<string> {
  const manager = sessionManagerOf(app);
  const { options } = manager;
  const secret = options.secrets?.[0];
  if (secret === undefined) {
    throw new SessionStateError('nest-sessions/testing: sessionCookie() needs the `secret` option (with `secretFromRequest` the app signs with cookie-parser\'s secret, unknown here)');
  }
  const cookiePath = typeof options.cookieOptions === 'function' ? '/' : options.cookieOptions.path;
  const request: SessionRequest = { headers: {}, url: cookiePath };
  const outcome = await manager.attach(request);
  if (outcome !== 'attached' || !request.session) {
    throw new SessionStateError(`nest-sessions/testing: sessionCookie() could not start a session (${outcome})`);
  }
  const session = request.session as Session;
  for (const [key, value] of Object.entries(data as Record<string, unknown>)) {
    if (!(key in session)) (session as unknown as Record<string, unknown>)[key] = value;
  }
  await session.save();
  await manager.commit(request);
  return `${options.cookieName}=${encodeURIComponent(signSessionId(session.id, secret))}`;
}

function sessionManagerOf(app: INestApplication): SessionManager {
  try {
    return app.get(SessionManager, { strict: false });
  } catch (error) {
    throw new SessionStateError('nest-sessions/testing: sessionCookie() needs an app that imports SessionModule', { cause: error });
  }
}
