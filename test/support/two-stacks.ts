import 'reflect-metadata';
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import { All, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import { createSessionMiddleware, SessionModule } from '../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions, SessionOptions, SessionStore } from '../../lib/index.js';
import { TEST_SECRET } from './e2e-app.js';

/**
 * A route as both stacks run it: it sends the response itself, or returns a value that is sent
 * as JSON. A thrown error (or a rejection) goes to the web layer's error handling.
 */
export type TestRoute = (request: Request & RequestWithSession, response: Response) => unknown;

export type TestRoutes = Record<string, TestRoute>;

/** A running app: its HTTP server, and how to stop it. */
export interface RunningStack {
  server: Server;
  close(): Promise<void>;
}

/** One way of mounting the session middleware: through SessionModule, or createSessionMiddleware. */
export interface Stack {
  name: string;
  start(options: Partial<SessionOptions> & { store: SessionStore | NonNullable<SessionOptions['store']> }, routes: TestRoutes): Promise<RunningStack>;
}

const ROUTES = Symbol('test routes');

@Controller()
class TestRoutesController {
  constructor(@Inject(ROUTES) private readonly routes: TestRoutes) {}

  @All(':route')
  async handle(@Param('route') route: string, @Req() request: Request & RequestWithSession, @Res() response: Response) {
    const result = await this.routes[route]!(request, response);
    if (result !== undefined) response.json(result);
  }
}

export const nestStack: Stack = {
  name: 'SessionModule',
  async start(options, routes) {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...(options as Partial<SessionModuleOptions>) })],
      controllers: [TestRoutesController],
      providers: [{ provide: ROUTES, useValue: routes }],
    }).compile();
    const app: INestApplication = moduleRef.createNestApplication({ logger: false });
    await app.init();
    return { server: app.getHttpServer() as Server, close: () => app.close() };
  },
};

export const expressStack: Stack = {
  name: 'createSessionMiddleware',
  async start(options, routes) {
    const app = express();
    app.use(createSessionMiddleware({ secret: TEST_SECRET, ...options }) as never);
    app.all('/:route', async (request, response) => {
      const result = await routes[request.params.route as string]!(request as unknown as Request & RequestWithSession, response);
      if (result !== undefined) response.json(result);
    });
    app.use(productionErrorHandler);
    const server = await new Promise<Server>((resolve) => {
      const listening = app.listen(0, '127.0.0.1', () => resolve(listening));
    });
    return {
      server,
      close: () =>
        new Promise<void>((resolve) => {
          server.close(() => resolve());
          server.closeAllConnections();
        }),
    };
  },
};

/**
 * What Express's final handler does in production (the status and `headers` an error carries,
 * the status text as body), without logging to the console after the test is over.
 */
function productionErrorHandler(error: unknown, _request: Request, response: Response, _next: NextFunction): void {
  const { status, headers } = (error ?? {}) as { status?: unknown; headers?: Record<string, string> };
  const statusCode = typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
  if (response.headersSent) {
    response.destroy();
    return;
  }
  response.status(statusCode);
  if (headers) response.set(headers);
  response.type('text').send(STATUS_CODES[statusCode]);
}

/** Both stacks, for `describe.each`. */
export const STACKS: Array<[string, Stack]> = [
  [nestStack.name, nestStack],
  [expressStack.name, expressStack],
];

/** Whether a response body shows internals: a stack trace or a source path. */
export function leaksInternals(body: string): boolean {
  return /\n\s+at |node_modules|\/lib\/|\.ts:\d|\.js:\d/.test(body);
}
