import 'reflect-metadata';
import request from 'supertest';
import { ForbiddenException, Injectable, UseGuards } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { MercuriusDriver } from '@nestjs/mercurius';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { Args, Field, GraphQLModule, Int, Mutation, ObjectType, Query, Resolver } from '@nestjs/graphql';
import {
  RequireSessionKeys,
  Session,
  SessionGuard,
  SessionModule,
  SessionStore,
  SessionStoreUnavailableError,
  SkipSessionGuard,
} from '../../../lib/index.js';
import type { SessionModuleOptions } from '../../../lib/index.js';
import { TEST_SECRET, cookiePair, sessionIdOf, startApp, withBackingStore } from '../../support/e2e-app.js';
import { InstrumentedStore } from '../../support/instrumented-store.js';
import { EXPRESS, FASTIFY } from '../../support/platforms.js';

@ObjectType()
class SignedInUser {
  @Field(() => String)
  userId!: string;

  @Field(() => String)
  sessionId!: string;
}

/** A guard that turns every signed-in session away with a 403, as a role check would. */
@Injectable()
class AdminOnlyGuard extends SessionGuard {
  protected override isAuthenticated(): boolean {
    return false;
  }

  protected override unauthorized(): Error {
    return new ForbiddenException('Admins only');
  }
}

/** A resolver as apps write them: guarded as a whole, with sign-in and counters opened up. */
@Resolver()
@UseGuards(SessionGuard)
class AccountResolver {
  @Mutation(() => SignedInUser)
  @SkipSessionGuard()
  async login(@Session() session: Session, @Args('user') user: string): Promise<SignedInUser> {
    const fresh = await session.regenerate();
    fresh.userId = user;
    return { userId: user, sessionId: fresh.id };
  }

  @Query(() => SignedInUser)
  me(@Session('userId') userId: string, @Session() session: Session): SignedInUser {
    return { userId, sessionId: session.id };
  }

  @Mutation(() => Int)
  @SkipSessionGuard()
  countView(@Session() session: Session): number {
    session.views = (session.views ?? 0) + 1;
    return session.views;
  }

  @Query(() => Int, { nullable: true })
  @SkipSessionGuard()
  views(@Session('views') views: number | undefined): number | null {
    return views ?? null;
  }

  @Mutation(() => [String])
  addToCart(@Session() session: Session, @Args('item') item: string): string[] {
    session.cart = [...(session.cart ?? []), item];
    return session.cart;
  }

  @Query(() => [String])
  @RequireSessionKeys('cart')
  cart(@Session('cart') cart: string[]): string[] {
    return cart;
  }

  @Query(() => Boolean)
  @UseGuards(AdminOnlyGuard)
  admin(): boolean {
    return true;
  }

  @Mutation(() => Boolean)
  @SkipSessionGuard()
  async logout(@Session() session: Session): Promise<boolean> {
    await session.destroy();
    return true;
  }
}

/** The GraphQL servers Nest drives: Apollo (here on Express) and Mercurius (Fastify only). */
type GraphqlDriverName = 'apollo' | 'mercurius';

/**
 * A Nest app with GraphQLModule on the driver, code-first, with its default context (no
 * `context` option): Apollo on Express, Mercurius on Fastify.
 */
async function createGraphqlApp(
  sessionOptions: Partial<SessionModuleOptions> = {},
  graphqlOptions: Partial<ApolloDriverConfig> = {},
  driver: GraphqlDriverName = 'apollo',
): Promise<INestApplication> {
  const graphqlModule =
    driver === 'mercurius'
      ? GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true })
      : GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true, ...graphqlOptions });
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...withBackingStore(sessionOptions) }), graphqlModule],
    providers: [AccountResolver],
  }).compile();
  return startApp(driver === 'mercurius' ? FASTIFY : EXPRESS, moduleRef);
}

interface GraphqlError {
  message: string;
  extensions?: { code?: string; status?: number; originalError?: { statusCode?: number } };
}

interface GraphqlReply<Data> {
  data: Data | null;
  errors?: GraphqlError[];
  sessionCookie: string | undefined;
}

/** Requests the session middleware (and the follower middleware behind it) has seen. */
let middlewareRuns = 0;
const countMiddlewareRun = (_request: unknown, _response: unknown, next: () => void) => {
  middlewareRuns += 1;
  next();
};

const middlewareCases: Array<[string, Partial<SessionModuleOptions>, boolean]> = [
  ['the session middleware runs on /graphql', {}, true],
  ['/graphql is excluded from the middleware (resolvers load the session themselves)', { exclude: ['graphql'] }, false],
];
/** Each case on each driver: [driver, label, session options, whether the middleware runs on /graphql]. */
const cases = (['apollo', 'mercurius'] as const).flatMap((driver) => middlewareCases.map((entry) => [driver, ...entry] as const));

describe.each(cases)('GraphQL resolvers on %s, when %s', (driver, _label, sessionOptions, isMiddlewareOnGraphql) => {
  let app: INestApplication;

  beforeEach(async () => {
    middlewareRuns = 0;
    app = await createGraphqlApp({ ...sessionOptions, middleware: [countMiddlewareRun] }, {}, driver);
  });

  afterEach(async () => {
    await app.close();
  });

  /** POSTs an operation to /graphql, with the session cookie if given. */
  async function graphql<Data>(query: string, cookie?: string): Promise<GraphqlReply<Data>> {
    const post = request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json');
    if (cookie) post.set('cookie', cookie);
    const response = await post.send({ query });
    expect(response.status).toBe(200);
    const body = response.body as { data: Data | null; errors?: GraphqlError[] };
    return { data: body.data, errors: body.errors, sessionCookie: cookiePair(response.headers['set-cookie']) };
  }

  async function signIn(user = 'alice'): Promise<string> {
    const { sessionCookie, errors } = await graphql(`mutation { login(user: "${user}") { userId } }`);
    expect(errors).toBeUndefined();
    expect(sessionCookie).toBeDefined();
    return sessionCookie!;
  }

  function expectUnauthorized(reply: GraphqlReply<unknown>, field: string): void {
    expect(reply.data).toBeNull();
    expect(reply.errors).toHaveLength(1);
    expect(reply.errors![0]).toMatchObject({
      message: 'A signed-in session is required',
      path: [field],
      extensions: { code: 'UNAUTHENTICATED', originalError: { statusCode: 401 } },
    });
  }

  it(`${isMiddlewareOnGraphql ? 'runs' : 'does not run'} the session middleware for /graphql`, async () => {
    await graphql('{ views }');

    expect(middlewareRuns).toBe(isMiddlewareOnGraphql ? 1 : 0);
  });

  it('rejects a guarded query without a session as unauthorized', async () => {
    const reply = await graphql('{ me { userId } }');

    expectUnauthorized(reply, 'me');
    expect(reply.sessionCookie).toBeUndefined();
  });

  it("sends the cookie of a login mutation on the mutation's response, and the guarded query accepts it", async () => {
    const login = await graphql<{ login: SignedInUser }>('mutation { login(user: "alice") { userId sessionId } }');

    expect(login.data).toEqual({ login: { userId: 'alice', sessionId: expect.any(String) } });
    expect(login.sessionCookie).toBeDefined();
    expect(sessionIdOf(login.sessionCookie!)).toBe(login.data!.login.sessionId);

    const me = await graphql<{ me: SignedInUser }>('{ me { userId sessionId } }', login.sessionCookie);
    expect(me.errors).toBeUndefined();
    expect(me.data).toEqual({ me: { userId: 'alice', sessionId: login.data!.login.sessionId } });
  });

  it('regenerates the session on login: the id changes, the old one leaves the store', async () => {
    const first = await graphql<{ countView: number }>('mutation { countView }');
    const anonymousId = sessionIdOf(first.sessionCookie!);
    const store = app.get(SessionStore);
    expect(await store.get(anonymousId)).toMatchObject({ views: 1 });

    const login = await graphql('mutation { login(user: "alice") { userId } }', first.sessionCookie);

    const signedInId = sessionIdOf(login.sessionCookie!);
    expect(signedInId).not.toBe(anonymousId);
    expect(await store.get(anonymousId)).toBeUndefined();
    expect(await store.get(signedInId)).toMatchObject({ userId: 'alice' });
  });

  it('saves changes a mutation makes and reads them back with @Session(key) in a later query', async () => {
    const first = await graphql<{ countView: number }>('mutation { countView }');
    const second = await graphql<{ countView: number }>('mutation { countView }', first.sessionCookie);
    const views = await graphql<{ views: number | null }>('{ views }', first.sessionCookie);

    expect([first.data, second.data, views.data]).toEqual([{ countView: 1 }, { countView: 2 }, { views: 2 }]);
    // Same session throughout: the cookie set by the first mutation is the one the others used.
    expect(second.sessionCookie ?? first.sessionCookie).toBe(first.sessionCookie);
  });

  it('reads no session for a query that carries no cookie, and stores nothing for it', async () => {
    const reply = await graphql<{ views: number | null }>('{ views }');

    expect(reply.data).toEqual({ views: null });
    // saveUninitialized is false by default: an untouched new session sets no cookie.
    expect(reply.sessionCookie).toBeUndefined();
  });

  it('applies @RequireSessionKeys() to a query: signed in without the key is forbidden (not unauthenticated), with it passes', async () => {
    const cookie = await signIn();

    const withoutCart = await graphql('{ cart }', cookie);
    expect(withoutCart.data).toBeNull();
    expect(withoutCart.errors).toHaveLength(1);
    expect(withoutCart.errors![0]).toMatchObject({
      message: 'The session lacks required key(s): cart',
      path: ['cart'],
      extensions: { code: 'FORBIDDEN', originalError: { statusCode: 403 } },
    });

    const added = await graphql<{ addToCart: string[] }>('mutation { addToCart(item: "book") }', cookie);
    expect(added.data).toEqual({ addToCart: ['book'] });
    const cart = await graphql<{ cart: string[] }>('{ cart }', cookie);
    expect(cart.errors).toBeUndefined();
    expect(cart.data).toEqual({ cart: ['book'] });
  });

  it('gives a guard\'s 403 the FORBIDDEN code, with its status in originalError', async () => {
    const reply = await graphql('{ admin }', await signIn());

    expect(reply.data).toBeNull();
    expect(reply.errors).toEqual([
      expect.objectContaining({
        message: 'Admins only',
        path: ['admin'],
        extensions: expect.objectContaining({ code: 'FORBIDDEN', originalError: expect.objectContaining({ statusCode: 403 }) }),
      }),
    ]);
  });

  it('guards mutations too: addToCart without a session is unauthorized', async () => {
    expectUnauthorized(await graphql('mutation { addToCart(item: "book") }'), 'addToCart');
  });

  it('destroys the session on a logout mutation: the store forgets it and the old cookie no longer signs in', async () => {
    const cookie = await signIn();
    const store = app.get(SessionStore);
    expect(await store.get(sessionIdOf(cookie))).toMatchObject({ userId: 'alice' });

    const logout = await graphql<{ logout: boolean }>('mutation { logout }', cookie);

    expect(logout.data).toEqual({ logout: true });
    expect(await store.get(sessionIdOf(cookie))).toBeUndefined();
    expectUnauthorized(await graphql('{ me { userId } }', cookie), 'me');
  });

  it('shares one session between the mutations of one operation, saved once with one cookie', async () => {
    const reply = await graphql<{ first: number; second: number }>('mutation { first: countView second: countView }');

    expect(reply.data).toEqual({ first: 1, second: 2 });
    const views = await graphql<{ views: number | null }>('{ views }', reply.sessionCookie);
    expect(views.data).toEqual({ views: 2 });
  });

  it('keeps concurrent users apart: each query sees the session of its own cookie', async () => {
    const [alice, bob] = await Promise.all([signIn('alice'), signIn('bob')]);

    const [aliceMe, bobMe] = await Promise.all([
      graphql<{ me: SignedInUser }>('{ me { userId } }', alice),
      graphql<{ me: SignedInUser }>('{ me { userId } }', bob),
    ]);

    expect(aliceMe.data).toEqual({ me: { userId: 'alice' } });
    expect(bobMe.data).toEqual({ me: { userId: 'bob' } });
  });
});

describe('GraphQL resolvers on Apollo, with a custom `context` option', () => {
  it("still find the session: Nest's Apollo driver keeps `req` in the context the app builds", async () => {
    const app = await createGraphqlApp({}, { context: () => ({ tenant: 'acme' }) });
    try {
      const http = request(app.getHttpServer());
      const login = await http.post('/graphql').send({ query: 'mutation { login(user: "alice") { userId } }' }).expect(200);
      const cookie = cookiePair(login.headers['set-cookie']);
      expect(cookie).toBeDefined();

      const me = await http.post('/graphql').set('cookie', cookie!).send({ query: '{ me { userId } }' }).expect(200);
      expect(me.body).toEqual({ data: { me: { userId: 'alice' } } });
    } finally {
      await app.close();
    }
  });
});

describe.each(['apollo', 'mercurius'] as const)('GraphQL resolvers on %s, while the session store is down', (driver) => {
  let app: INestApplication;
  let store: InstrumentedStore;

  afterEach(async () => {
    await app.close();
  });

  async function start(sessionOptions: Partial<SessionModuleOptions>): Promise<string> {
    store = new InstrumentedStore();
    app = await createGraphqlApp({ store, ...sessionOptions }, {}, driver);
    const login = await request(app.getHttpServer())
      .post('/graphql')
      .send({ query: 'mutation { login(user: "alice") { userId } }' })
      .expect(200);
    return cookiePair(login.headers['set-cookie'])!;
  }

  function queryMe(cookie: string) {
    return request(app.getHttpServer()).post('/graphql').set('cookie', cookie).send({ query: '{ me { userId } }' });
  }

  it('answers 503 from the middleware, with Retry-After, and serves the session again once the store is back', async () => {
    const cookie = await start({});
    store.failures.get = new SessionStoreUnavailableError('connection refused');

    const whileDown = await queryMe(cookie).expect(503);
    expect(whileDown.headers['retry-after']).toBe('5');
    const message = 'Session store unavailable, try again later';
    // Apollo's route leaves the error to Nest (its JSON error); Mercurius' error handler answers as GraphQL.
    expect(whileDown.body).toMatchObject(driver === 'apollo' ? { statusCode: 503, message } : { data: null, errors: [{ message }] });

    const afterwards = await queryMe(cookie).expect(200);
    expect(afterwards.body).toEqual({ data: { me: { userId: 'alice' } } });
  });

  it('on an excluded /graphql, fails the operation with a 503 GraphQL error (no stack trace), then recovers', async () => {
    const cookie = await start({ exclude: ['graphql'] });
    store.failures.get = new SessionStoreUnavailableError('connection refused');

    const whileDown = await queryMe(cookie).expect(200);
    const body = whileDown.body as { data: unknown; errors: GraphqlError[] };
    expect(body.data).toBeNull();
    expect(body.errors).toHaveLength(1);
    expect(body.errors[0]).toMatchObject({
      message: 'Session store unavailable, try again later',
      extensions: { code: 'INTERNAL_SERVER_ERROR', status: 503, originalError: { statusCode: 503 } },
    });
    expect(JSON.stringify(body)).not.toMatch(/stacktrace|\bat .*\.ts:\d+/i);

    const afterwards = await queryMe(cookie).expect(200);
    expect(afterwards.body).toEqual({ data: { me: { userId: 'alice' } } });
  });
});

describe.each(cases)('GraphQL resolvers of header clients (the header option) on %s, when %s', (driver, _label, sessionOptions) => {
  let app: INestApplication;

  beforeEach(async () => {
    app = await createGraphqlApp({ ...sessionOptions, header: true }, {}, driver);
  });

  afterEach(async () => {
    await app.close();
  });

  /** POSTs an operation to /graphql with `Authorization`; the reply's data, errors and headers. */
  async function graphqlByHeader<Data>(query: string, authorization: string) {
    const response = await request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json').set('authorization', authorization).send({ query });
    expect(response.status).toBe(200);
    expect(response.headers['set-cookie']).toBeUndefined();
    const body = response.body as { data: Data | null; errors?: GraphqlError[] };
    return { ...body, token: response.headers['session-token'] as string | undefined };
  }

  it('signs in by a mutation (its token in the response header, no cookie) and serves guarded queries by the token', async () => {
    const login = await graphqlByHeader<{ login: SignedInUser }>('mutation { login(user: "ada") { userId sessionId } }', 'Bearer');
    expect(login.errors).toBeUndefined();
    expect(login.token).toMatch(/^s:/);
    const me = await graphqlByHeader<{ me: SignedInUser }>('{ me { userId sessionId } }', `Bearer ${login.token}`);
    expect(me.data).toEqual({ me: { userId: 'ada', sessionId: login.data!.login.sessionId } });
    const forged = await graphqlByHeader<{ me: SignedInUser }>('{ me { userId } }', 'Bearer s:forged.token');
    expect(forged.errors![0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  });
});
