import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createSessionMiddleware, SessionCookieError } from '../../lib/index.js';
import type { SessionOptions, SessionRequest, SessionResponse } from '../../lib/index.js';
import { TEST_SECRET } from './e2e-app.js';
import { InstrumentedStore } from './instrumented-store.js';

type SessionOnRequest = Record<string, unknown> & { id: string; cookie: object };

/** A plain Express app on `createSessionMiddleware`, with the routes the e2e tests need. */
export interface ExpressSessionApp {
  app: express.Express;
  store: InstrumentedStore;
  /** Errors that reached the app's error handler, in order. */
  errors: unknown[];
}

/**
 * Express + createSessionMiddleware over an InstrumentedStore. Its error handler answers as an
 * application's would (status and a short message, never a stack) and records the error.
 */
export function createExpressSessionApp(options: Partial<SessionOptions> = {}): ExpressSessionApp {
  const store = new InstrumentedStore();
  const errors: unknown[] = [];
  const app = express();
  const middleware = createSessionMiddleware({ secret: TEST_SECRET, store, ...options });
  app.use((request, response, next) => middleware(request as unknown as SessionRequest, response as unknown as SessionResponse, next));

  app.get('/views', (request, response) => {
    const session = request.session as unknown as SessionOnRequest;
    session.views = ((session.views as number | undefined) ?? 0) + 1;
    response.json({ views: session.views, sessionId: session.id });
  });

  /** Assigns `?value=` (a number when `?number` is given) to `session.cookie[?name]`. */
  app.post('/cookie-attribute', (request, response) => {
    const { name, value, number } = request.query as Record<string, string>;
    const session = request.session as unknown as SessionOnRequest;
    session.touched = true;
    (session.cookie as Record<string, unknown>)[name!] = number === undefined ? value : Number(value);
    response.json({ assigned: name });
  });

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    errors.push(error);
    const statusCode = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof SessionCookieError ? `Invalid session cookie attribute: ${error.attribute}` : 'Internal Server Error';
    response.status(statusCode).json({ statusCode, message });
  });
  return { app, store, errors };
}
