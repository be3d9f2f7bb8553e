// The HTTP request and response behind a GraphQL resolver, and the `extensions` of its errors,
// without importing `@nestjs/graphql` (a dependency of the app, never of this library).
import { HttpException } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import type { SessionRequest, SessionResponse } from '../../core/http/http-types.js';
import { attachOutcomeOf } from '../../core/management/session-manager.js';

/** A resolver's arguments are `[root, args, context, info]`; `GqlExecutionContext` reads the context here. */
const GRAPHQL_CONTEXT_ARGUMENT = 2;

/** What Nest's GraphQL drivers put in the default context: Apollo `{ req }`, Mercurius `{ reply }`. */
interface GraphqlContextValue {
  req?: unknown;
  res?: unknown;
  reply?: { request?: unknown; raw?: unknown };
}

/** Whether Nest is running a GraphQL resolver (`getType()` is typed for `http`/`ws`/`rpc` only). */
export function isGraphqlContext(context: ExecutionContext): boolean {
  return context.getType<string>() === 'graphql';
}

/**
 * The HTTP request of the GraphQL operation: the context's `req` (Apollo, and any `context`
 * option that keeps it) or `reply.request` (Mercurius). Undefined when the context carries
 * none (a subscription over a WebSocket, a custom context without it).
 */
export function graphqlRequestOf(context: ExecutionContext): SessionRequest | undefined {
  const contextValue = graphqlContextValueOf(context);
  const request = contextValue?.req ?? contextValue?.reply?.request;
  if (!isRequest(request)) return undefined;
  // Under Fastify, middleware (the session's among them) runs on the Node request the Fastify
  // request wraps as `raw`: use that one when it, not the wrapper, got the session.
  const rawRequest = (request as { raw?: unknown }).raw;
  return isRequest(rawRequest) && !hasSession(request) && hasSession(rawRequest) ? rawRequest : request;
}

/**
 * The HTTP response of the GraphQL operation, which commits the session when the middleware
 * did not run: the context's `res`, else the request's own (Express sets `req.res`), else
 * Mercurius' `reply.raw`.
 */
export function graphqlResponseOf(context: ExecutionContext, request: SessionRequest | undefined): SessionResponse | undefined {
  const contextValue = graphqlContextValueOf(context);
  const candidates = [contextValue?.res, (request as { res?: unknown } | undefined)?.res, contextValue?.reply?.raw];
  return candidates.find(isResponse);
}

function graphqlContextValueOf(context: ExecutionContext): GraphqlContextValue | undefined {
  const contextValue: unknown = context.getArgByIndex(GRAPHQL_CONTEXT_ARGUMENT);
  return typeof contextValue === 'object' && contextValue !== null ? (contextValue as GraphqlContextValue) : undefined;
}

function isRequest(value: unknown): value is SessionRequest {
  return typeof value === 'object' && value !== null && typeof (value as { headers?: unknown }).headers === 'object';
}

function isResponse(value: unknown): value is SessionResponse {
  const response = value as { setHeader?: unknown; end?: unknown } | null | undefined;
  return typeof response?.setHeader === 'function' && typeof response.end === 'function';
}

function hasSession(request: SessionRequest): boolean {
  return request.session != null || attachOutcomeOf(request) !== undefined;
}

/** Nest's Apollo driver's `extensions.code` by HTTP status; other statuses are INTERNAL_SERVER_ERROR with `extensions.status`. */
const GRAPHQL_CODES_BY_STATUS: Readonly<Record<number, string>> = {
  400: 'BAD_REQUEST',
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  422: 'BAD_USER_INPUT',
};

/** What a resolver's HTTP error shows in its GraphQL error's `extensions`. */
export interface GraphqlErrorExtensions {
  code: string;
  /** The HTTP status, for a code that does not imply one (as Nest's Apollo driver has it). */
  status?: number;
  /** The exception's response body (`{ statusCode, message, error }`). */
  originalError: unknown;
}

/**
 * Gives an HTTP error thrown to a resolver the `extensions` Nest's Apollo driver gives it
 * (`code` by status, the response body as `originalError`): graphql-js copies a thrown error's
 * own `extensions` into the GraphQL error, so Mercurius, which maps nothing, shows the same.
 * Other errors, and errors that already carry `extensions`, are returned unchanged.
 */
export function withGraphqlExtensions(error: unknown): unknown {
  if (!(error instanceof HttpException) || 'extensions' in error) return error;
  const status = error.getStatus();
  const code = GRAPHQL_CODES_BY_STATUS[status];
  const extensions: GraphqlErrorExtensions = code
    ? { code, originalError: error.getResponse() }
    : { code: 'INTERNAL_SERVER_ERROR', status, originalError: error.getResponse() };
  return Object.assign(error, { extensions });
}

/** `loading`, failing with `extensions` (see `withGraphqlExtensions`) when `context` is a resolver's. */
export function withGraphqlErrorExtensions<T>(context: ExecutionContext, loading: Promise<T>): Promise<T> {
  if (!isGraphqlContext(context)) return loading;
  return loading.catch((error: unknown) => {
    throw withGraphqlExtensions(error);
  });
}
