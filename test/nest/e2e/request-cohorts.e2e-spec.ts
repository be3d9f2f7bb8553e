import { AsyncLocalStorage } from 'node:async_hooks';
import { Controller, Get, Module } from '@nestjs/common';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Session, SessionManager } from '../../../lib/index.js';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { pipelinedGets } from '../../support/pipelined-requests.js';

/** What an app's request-scoped context (nestjs-cls, OpenTelemetry) keeps per request. */
const requestContext = new AsyncLocalStorage<string>();

@Controller()
class ContextController {
  @Get('context')
  async context(@Session() session: Record<string, unknown>) {
    const before = requestContext.getStore();
    session.views = ((session.views as number | undefined) ?? 0) + 1;
    await new Promise((resolve) => setImmediate(resolve));
    return { before, after: requestContext.getStore(), views: session.views };
  }
}

@Module({ controllers: [ContextController] })
class ContextModule {}

describe.each(PLATFORMS)('requests in cohorts, on $name', (platform) => {
  let app: INestApplication;

  /** An app whose first middleware (app.use, before the module's) runs each request in its own context. */
  const start = async (requestCohorts?: boolean) => {
    app = await createSessionApp(platform, requestCohorts === undefined ? {} : { requestCohorts }, { imports: [ContextModule], controllers: [] }, (created) => {
      created.use((incoming: { headers: Record<string, string | undefined> }, _response: unknown, next: () => void) => {
        requestContext.run(incoming.headers['x-request-id'] ?? 'none', next);
      });
    });
    await app.listen(0, '127.0.0.1');
    return request(app.getHttpServer());
  };

  afterEach(async () => {
    await app?.close();
  });

  it.each([true, false])('keeps each overlapping request in its own async context (requestCohorts: %s)', async (requestCohorts) => {
    const http = await start(requestCohorts);
    const first = await http.get('/context').set('X-Request-Id', 'first').expect(200);
    const cookie = cookiePair(first.headers['set-cookie'])!;
    // New sessions and stored ones, many at once: some arrive in the same turn of the event loop.
    const ids = Array.from({ length: 40 }, (_, index) => `request-${index}`);
    const responses = await Promise.all(
      ids.map((id, index) => {
        const pending = http.get('/context').set('X-Request-Id', id);
        return (index % 2 === 0 ? pending.set('Cookie', cookie) : pending).expect(200);
      }),
    );
    responses.forEach((response, index) => expect(response.body).toMatchObject({ before: ids[index], after: ids[index] }));
    // Each new session's request saw its own new session.
    responses.forEach((response, index) => index % 2 === 1 && expect(response.body.views).toBe(1));
    // Requests read in one turn (pipelined on one connection) continue in one cohort.
    const pipelinedIds = Array.from({ length: 12 }, (_, index) => `pipelined-${index}`);
    const bodies = await pipelinedGets(app.getHttpServer().address().port, '/context', pipelinedIds, cookie);
    expect(bodies.map(({ before, after }) => [before, after])).toEqual(pipelinedIds.map((id) => [id, id]));
  });

  it('continues in cohorts on the MemoryStore unless requestCohorts is false', async () => {
    await start();
    expect(app.get(SessionManager).continuesInCohorts).toBe(app.get(SessionManager).store.constructor.name === 'MemoryStore');
    await app.close();
    await start(false);
    expect(app.get(SessionManager).continuesInCohorts).toBe(false);
  });
});
