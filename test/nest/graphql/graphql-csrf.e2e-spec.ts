import 'reflect-metadata';
import request from 'supertest';
import type { INestApplication } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { ApolloDriver } from '@nestjs/apollo';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import { MercuriusDriver } from '@nestjs/mercurius';
import type { MercuriusDriverConfig } from '@nestjs/mercurius';
import { Args, GraphQLModule, Int, Mutation, Query, Resolver } from '@nestjs/graphql';
import { CsrfToken, Session, SessionModule, SkipCsrf } from '../../../lib/index.js';
import { TEST_SECRET, cookiePair, startApp } from '../../support/e2e-app.js';
import { EXPRESS, FASTIFY } from '../../support/platforms.js';

@Resolver()
class CartResolver {
  @Query(() => String)
  csrfToken(@CsrfToken() token: string): string {
    return token;
  }

  @Query(() => Int)
  views(@Session('views') views: number | undefined): number {
    return views ?? 0;
  }

  @Mutation(() => Int)
  countView(@Session() session: Session): number {
    session.views = (session.views ?? 0) + 1;
    return session.views;
  }

  @Mutation(() => Int)
  @SkipCsrf()
  ping(@Args('value', { type: () => Int }) value: number): number {
    return value;
  }
}

describe.each(['apollo', 'mercurius'] as const)('CSRF protection of GraphQL operations on %s', (driver) => {
  let app: INestApplication;

  beforeEach(async () => {
    const graphqlModule =
      driver === 'mercurius'
        ? GraphQLModule.forRoot<MercuriusDriverConfig>({ driver: MercuriusDriver, autoSchemaFile: true })
        : GraphQLModule.forRoot<ApolloDriverConfig>({ driver: ApolloDriver, autoSchemaFile: true });
    const moduleRef = await Test.createTestingModule({
      imports: [SessionModule.forRoot({ secret: TEST_SECRET, csrf: true }), graphqlModule],
      providers: [CartResolver],
    }).compile();
    app = await startApp(driver === 'mercurius' ? FASTIFY : EXPRESS, moduleRef);
  });

  afterEach(async () => {
    await app.close();
  });

  /** A token and its session, as a client gets them with a GET query (never checked). */
  async function tokenAndCookie(): Promise<{ token: string; cookie: string }> {
    const response = await request(app.getHttpServer())
      .get('/graphql')
      .query({ query: '{ csrfToken }' })
      .set('apollo-require-preflight', 'true')
      .expect(200);
    return { token: (response.body as { data: { csrfToken: string } }).data.csrfToken, cookie: cookiePair(response.headers['set-cookie'])! };
  }

  function graphql(query: string, headers: Record<string, string> = {}) {
    const post = request(app.getHttpServer()).post('/graphql').set('content-type', 'application/json');
    for (const [name, value] of Object.entries(headers)) post.set(name, value);
    return post.send({ query });
  }

  it('refuses a mutation without the token as a FORBIDDEN error, and runs it with the token', async () => {
    const { token, cookie } = await tokenAndCookie();
    const refused = await graphql('mutation { countView }', { cookie, origin: 'https://evil.example' });
    expect(refused.status).toBe(200);
    expect(refused.body.data).toBeNull();
    expect(refused.body.errors).toHaveLength(1);
    expect(refused.body.errors[0]).toMatchObject({
      message: 'Invalid or missing CSRF token',
      extensions: { code: 'FORBIDDEN', originalError: { statusCode: 403 } },
    });
    const missing = await graphql('mutation { countView }', { cookie });
    expect(missing.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const allowed = await graphql('mutation { countView }', { cookie, 'x-csrf-token': token });
    expect(allowed.body).toEqual({ data: { countView: 1 } });
  });

  it('checks a query sent by POST too, and lets same-origin browsers through', async () => {
    const { cookie } = await tokenAndCookie();
    const refused = await graphql('{ views }', { cookie });
    expect(refused.body.errors[0].extensions.code).toBe('FORBIDDEN');
    const sameOrigin = await graphql('mutation { countView }', { cookie, 'sec-fetch-site': 'same-origin' });
    expect(sameOrigin.body).toEqual({ data: { countView: 1 } });
  });

  it('lets @SkipCsrf() resolvers through', async () => {
    const reply = await graphql('mutation { ping(value: 3) }');
    expect(reply.body).toEqual({ data: { ping: 3 } });
  });
});
