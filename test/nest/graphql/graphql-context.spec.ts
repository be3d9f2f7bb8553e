import 'reflect-metadata';
import {
  BadRequestException,
  ForbiddenException,
  Injectable,
  ServiceUnavailableException,
  UnauthorizedException,
  UnprocessableEntityException,
} from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host.js';
import { Test } from '@nestjs/testing';
import { MemoryStore, SessionGuard, SessionManager, SessionModule, SessionResolver, resolveSessionOptions } from '../../../lib/index.js';
import type { SessionRequest } from '../../../lib/index.js';
import { TEST_SECRET } from '../../support/e2e-app.js';
import { cookieHeaderFrom, fakeRequest, fakeResponse } from '../../support/fake-http.js';
import { SessionHttpPlatform } from '../../../lib/nest/session-http-platform.js';
import { withGraphqlExtensions } from '../../../lib/nest/graphql/graphql-context.js';

/** The execution context of a resolver: arguments `[root, args, context, info]`, type `graphql`. */
function graphqlContext(contextValue: unknown): ExecutionContext {
  const host = new ExecutionContextHost([{}, {}, contextValue, {}]);
  host.setType('graphql');
  return host;
}

describe('SessionResolver in a GraphQL resolver: which request and response it uses', () => {
  const resolver = new SessionResolver(
    new SessionManager(resolveSessionOptions({ secret: TEST_SECRET }), new MemoryStore({ checkPeriod: 0 })),
    new SessionHttpPlatform(), // not installed: Express's request and response, as in a GraphQL app on Express
  );

  it("takes Apollo's default context `{ req }`, and the response Express put on `req.res`", () => {
    const response = fakeResponse();
    const req = fakeRequest(undefined, { res: response } as Partial<SessionRequest>);
    const context = graphqlContext({ req });

    expect(resolver.requestFor(context)).toBe(req);
    expect(resolver.responseFor(context)).toBe(response);
  });

  it("prefers a context's own `res` to `req.res`", () => {
    const response = fakeResponse();
    const context = graphqlContext({ req: fakeRequest(undefined, { res: fakeResponse() } as Partial<SessionRequest>), res: response });

    expect(resolver.responseFor(context)).toBe(response);
  });

  it("takes Mercurius' context: `reply.request`, answered through `reply.raw`", () => {
    const request = fakeRequest();
    const rawResponse = fakeResponse();
    const context = graphqlContext({ app: {}, reply: { request, raw: rawResponse } });

    expect(resolver.requestFor(context)).toBe(request);
    expect(resolver.responseFor(context)).toBe(rawResponse);
  });

  it('takes the Node request a Fastify request wraps when the session middleware attached the session there', () => {
    const rawRequest = fakeRequest(undefined, { session: {} as SessionRequest['session'] });
    const fastifyRequest = fakeRequest(undefined, { raw: rawRequest } as Partial<SessionRequest>);

    expect(resolver.requestFor(graphqlContext({ req: fastifyRequest }))).toBe(rawRequest);
    const fastifyRequestWithSession = { ...fastifyRequest, session: {} as SessionRequest['session'] };
    expect(resolver.requestFor(graphqlContext({ req: fastifyRequestWithSession }))).toBe(fastifyRequestWithSession);
    const noSessionAnywhere = fakeRequest(undefined, { raw: fakeRequest() } as Partial<SessionRequest>);
    expect(resolver.requestFor(graphqlContext({ req: noSessionAnywhere }))).toBe(noSessionAnywhere);
  });

  it.each([
    ['a subscription context without a request', { connectionParams: { token: 'x' } }],
    ['a `req` that is not a request', { req: 'not a request' }],
    ['a `reply` without a request', { reply: {} }],
    ['no context value', undefined],
    ['a context value that is not an object', 42],
  ])('finds no request, and so no session, in %s', async (_label, contextValue) => {
    const context = graphqlContext(contextValue);

    expect(resolver.requestFor(context)).toBeUndefined();
    expect(resolver.responseFor(context)).toBeUndefined();
    await expect(resolver.sessionFor(context)).resolves.toBeUndefined();
  });

  it('loads the session of a Mercurius operation the middleware did not see, and sets its cookie on `reply.raw`', async () => {
    const request = fakeRequest();
    const rawResponse = fakeResponse();

    const session = await resolver.sessionFor(graphqlContext({ reply: { request, raw: rawResponse } }));
    session!.userId = 'alice';
    rawResponse.end('{"data":{}}');
    await rawResponse.finished;

    expect(request.session).toBe(session);
    expect(rawResponse.setCookies()).toEqual([expect.stringMatching(/^connect\.sid=s%3A/)]);
  });
});

/** A guard for a transport SessionGuard does not know: the request travels in an RPC payload. */
@Injectable()
class RpcSessionGuard extends SessionGuard {
  protected override getRequest(context: ExecutionContext): SessionRequest | undefined {
    return context.switchToRpc().getData<{ request?: SessionRequest }>().request;
  }
}

class RpcController {
  handle(): void {}
}

describe('SessionGuard.getRequest, overridden for another transport', () => {
  async function start() {
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: TEST_SECRET })],
      providers: [RpcSessionGuard],
    }).compile();
    const manager = moduleRef.get(SessionManager);
    const signedInRequest = async (userId?: string): Promise<SessionRequest> => {
      // A session saved over HTTP, whose cookie the RPC payload carries.
      const login = fakeRequest();
      const response = fakeResponse();
      await manager.attach(login, response);
      if (userId) login.session!.userId = userId;
      else login.session!.views = 1;
      response.end();
      await response.finished;
      return fakeRequest(cookieHeaderFrom(response.setCookies()[0]!));
    };
    return { moduleRef, signedInRequest };
  }

  function rpcContext(data: unknown): ExecutionContext {
    const host = new ExecutionContextHost([data, {}], RpcController, RpcController.prototype.handle);
    host.setType('rpc');
    return host;
  }

  it("lets a signed-in session through on the request the override finds, which SessionGuard's default cannot see", async () => {
    const { moduleRef, signedInRequest } = await start();
    const context = rpcContext({ request: await signedInRequest('alice') });

    await expect(moduleRef.get(RpcSessionGuard).canActivate(context)).resolves.toBe(true);
    await expect(moduleRef.get(SessionGuard).canActivate(context)).rejects.toBeInstanceOf(UnauthorizedException);
    await moduleRef.close();
  });

  it('still rejects a session that is not signed in, and a payload without a request', async () => {
    const { moduleRef, signedInRequest } = await start();
    const guard = moduleRef.get(RpcSessionGuard);

    await expect(guard.canActivate(rpcContext({ request: await signedInRequest() }))).rejects.toBeInstanceOf(UnauthorizedException);
    await expect(guard.canActivate(rpcContext({}))).rejects.toBeInstanceOf(UnauthorizedException);
    await moduleRef.close();
  });
});

describe("withGraphqlExtensions: an HTTP error's GraphQL extensions, as Nest's Apollo driver maps them", () => {
  it.each([
    [400, 'BAD_REQUEST', new BadRequestException('Bad input')],
    [401, 'UNAUTHENTICATED', new UnauthorizedException('Sign in')],
    [403, 'FORBIDDEN', new ForbiddenException('Admins only')],
    [422, 'BAD_USER_INPUT', new UnprocessableEntityException('Invalid')],
  ])('gives a %i error the code %s and its response as originalError', (status, code, exception) => {
    expect(withGraphqlExtensions(exception)).toMatchObject({
      extensions: { code, originalError: { statusCode: status, message: exception.message } },
    });
    expect((exception as unknown as { extensions: object }).extensions).not.toHaveProperty('status');
  });

  it('gives any other status INTERNAL_SERVER_ERROR with the status', () => {
    const exception = new ServiceUnavailableException('Session store unavailable, try again later');

    expect(withGraphqlExtensions(exception)).toMatchObject({
      extensions: { code: 'INTERNAL_SERVER_ERROR', status: 503, originalError: { statusCode: 503 } },
    });
  });

  it('leaves errors that are no HTTP errors, or already carry extensions, as they are', () => {
    const plain = new Error('boom');
    const coded = Object.assign(new UnauthorizedException(), { extensions: { code: 'MY_CODE' } });

    expect(withGraphqlExtensions(plain)).toBe(plain);
    expect(plain).not.toHaveProperty('extensions');
    expect(withGraphqlExtensions(coded)).toMatchObject({ extensions: { code: 'MY_CODE' } });
  });
});
