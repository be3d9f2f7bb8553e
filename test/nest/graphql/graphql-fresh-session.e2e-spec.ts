import 'reflect-metadata';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { MercuriusDriver } from '@nestjs/mercurius';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { GraphQLModule, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { RequireFreshSession, Session, SessionModule, SkipSessionTouch } from '../../../lib/index.js';
import { TEST_SECRET, cookiePair, startApp, withBackingStore } from '../../support/e2e-app.js';
import { EXPRESS, FASTIFY } from '../../support/platforms.js';
import { sleep } from '../../support/redis-server.js';

// Long enough that a sign-in and the next request fit in it on a loaded CI machine (300 ms did not).
const FRESH_MS = 1_500;

@Resolver()
class SensitiveResolver {
  @Mutation(() => Boolean)
  async signIn(@Session() session: Session): Promise<boolean> {
    const fresh = await session.regenerate();
    fresh.userId = 'ada';
    fresh.markAuthenticated();
    return true;
  }

  @Mutation(() => Boolean)
  confirmPassword(@Session() session: Session): boolean {
    session.markAuthenticated();
    return true;
  }

  @Mutation(() => Boolean)
  @RequireFreshSession(FRESH_MS)
  deleteAccount(): boolean {
    return true;
  }

  @Query(() => Int, { nullable: true })
  views(@Session('views') views: number | undefined): number | null {
    return views ?? null;
  }

  @Query(() => Int, { nullable: true })
  @SkipSessionTouch()
  polledViews(@Session('views') views: number | undefined): number | null {
    return views ?? null;
  }
}

async function createApp(driver: 'apollo' | 'mercurius'): Promise<INestApplication> {
  const graphqlModule =
    driver === 'mercurius'
      ? GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true })
      : GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true });
  const moduleRef = await Test.createTestingModule({
    imports: [SessionModule.forRoot({ secret: TEST_SECRET, ...withBackingStore({ rolling: true, cookie: { maxAge: 60_000 } }) }), graphqlModule],
    providers: [SensitiveResolver],
  }).compile();
  return startApp(driver === 'mercurius' ? FASTIFY : EXPRESS, moduleRef);
}

describe.each(['apollo', 'mercurius'] as const)('freshness and polling in GraphQL resolvers on %s', (driver) => {
  let app: INestApplication;

  beforeEach(async () => {
    app = await createApp(driver);
  });

  afterEach(async () => {
    await app.close();
  });

  async function graphql(query: string, cookie?: string) {
    const post = request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json');
    if (cookie) post.set('cookie', cookie);
    const response = await post.send({ query });
    expect(response.status).toBe(200);
    return { body: response.body as { data: Record<string, unknown> | null; errors?: unknown[] }, sessionCookie: cookiePair(response.headers['set-cookie']) };
  }

  const stale = {
    message: 'Recent sign-in required',
    path: ['deleteAccount'],
    extensions: { code: 'UNAUTHENTICATED', reason: 'reauthenticate', originalError: { statusCode: 401, reason: 'reauthenticate' } },
  };

  it('fresh → allowed, stale → UNAUTHENTICATED with reason reauthenticate, password confirmed → allowed; never signed in → refused', async () => {
    expect((await graphql('mutation { deleteAccount }')).body.errors).toMatchObject([stale]);
    const { sessionCookie } = await graphql('mutation { signIn }');
    expect((await graphql('mutation { deleteAccount }', sessionCookie)).body).toEqual({ data: { deleteAccount: true } });
    await sleep(FRESH_MS + 100);
    const refused = await graphql('mutation { deleteAccount }', sessionCookie);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toMatchObject([stale]);
    expect(refused.body.errors).toHaveLength(1);
    await graphql('mutation { confirmPassword }', sessionCookie);
    expect((await graphql('mutation { deleteAccount }', sessionCookie)).body).toEqual({ data: { deleteAccount: true } });
  });

  it('@SkipSessionTouch() on a resolver: no rolling cookie for the unchanged session, which other operations still get', async () => {
    const { sessionCookie } = await graphql('mutation { signIn }');
    const polled = await graphql('{ polledViews }', sessionCookie);
    expect(polled.body).toEqual({ data: { polledViews: null } });
    expect(polled.sessionCookie).toBeUndefined();
    expect((await graphql('{ views }', sessionCookie)).sessionCookie).toBe(sessionCookie);
  });
});
