import 'reflect-metadata';
import { STATUS_CODES } from 'node:http';
import type { Server } from 'node:http';
import { All, Controller, Inject, Param, Req, Res } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import express from 'express';
import type { NextFunction, Request, Response } from 'express';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createSessionMiddleware, SessionModule } from '../../lib/index.js';
import type { RequestWithSession, SessionModuleOptions, SessionOptions, SessionStore } from '../../lib/index.js';
import { startApp, TEST_SECRET } from './e2e-app.js';
import { PLATFORMS } from './platforms.js';
import type { Platform } from './platforms.js';

/**
 * A route as every stack runs it: it sends the response itself, or returns a value that is sent
 * as JSON. A thrown error (or a rejection) goes to the web layer's error handling.
 */
export type TestRoute = (request: Request & RequestWithSession, response: Response) => unknown;

/** The same on Fastify: Fastify's request (reading the raw request's session) and reply. */
export type FastifyTestRoute = (request: FastifyRequest & RequestWithSession, reply: FastifyReply) => unknown;

/**
 * A suite's routes: `shared` ones use the request only; those that answer through the
 * response are written for each platform (`express` for both Express stacks).
 */
export interface TestRoutes {
  shared: Record<string, (request: RequestWithSession) => unknown>;
  express?: Record<string, TestRoute>;
  fastify?: Record<string, FastifyTestRoute>;
}

/** A running app: its HTTP server, and how to stop it. */
export interface RunningStack {
  server: Server;
  close(): Promise<void>;
}

/** One way of mounting the session middleware: through SessionModule on a platform, or createSessionMiddleware. */
export interface Stack {
  name: string;
  /** The platform handlers run on: what their response is. */
  platform: Platform['name'];
  start(options: Partial<SessionOptions> & { store: SessionStore | NonNullable<SessionOptions['store']> }, routes: TestRoutes): Promise<RunningStack>;
}

const ROUTES = Symbol('test routes');

type AnyRoute = (request: unknown, response: unknown) => unknown;

/** The routes a stack on `platform` serves, by name. */
function routesOn(platform: Platform['name'], routes: TestRoutes): Record<string, AnyRoute> {
  return { ...routes.shared, ...routes[platform] } as Record<string, AnyRoute>;
}

@Controller()
class TestRoutesController {
  constructor(@Inject(ROUTES) private readonly routes: Record<string, AnyRoute>) {}

  @All(':route')
  async handle(@Param('route') route: string, @Req() request: unknown, @Res() response: { json?(body: unknown): unknown; send(body: unknown): unknown }) {
    const result = await this.routes[route]!(request, response);
    if (result === undefined) return;
    if (response.json) response.json(result);
    else response.send(result);
  }
}

function nestStackOn(platform: Platform): Stack {
  return {
    name: `SessionModule on ${platform.name}`,
    platform: platform.name,
    async start(options, routes) {
      const moduleRef = await Test.createTestingModule({
        imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...(options as Partial<SessionModuleOptions>) })],
        controllers: [TestRoutesController],
        providers: [{ provide: ROUTES, useValue: routesOn(platform.name, routes) }],
      }).compile();
      const app: INestApplication = await startApp(platform, moduleRef);
      return { server: app.getHttpServer() as Server, close: () => app.close() };
    },
  };
}


export const expressStack: Stack = {
  name: 'createSessionMiddleware',
  platform: 'express',
  async start(options, routes) {
    const app = express();
    const routesByName = routesOn('express', routes);
    app.use(createSessionMiddleware({ secret: TEST_SECRET, ...options }) as never);
    app.all('/:route', async (request, response) => {
      const result = await routesByName[request.params.route as string]!(request, response);
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

/** Every stack, for `describe.each`: SessionModule on each of the PLATFORMS, and createSessionMiddleware. */
export const STACKS: Array<[string, Stack]> = [...PLATFORMS.map(nestStackOn), expressStack].map((stack) => [stack.name, stack]);

/** Whether a response body shows internals: a stack trace or a source path. */
export function leaksInternals(body: string): boolean {
  return /\n\s+at |node_modules|\/lib\/|\.ts:\d|\.js:\d/.test(body);
}
