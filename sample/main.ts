import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';
import { createSampleHttpAdapter, samplePlatform } from './http-platform.js';

/** Starts the sample on PORT (default 3000), on PLATFORM (express or fastify), and prints its URL. */
async function main(): Promise<void> {
  const platform = samplePlatform();
  const app = await NestFactory.create(AppModule, await createSampleHttpAdapter(platform));
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  console.log(`nest-sessions sample listening on ${await app.getUrl()} (${platform})`);
  console.log('Try: GET /visits, POST /login {"username":"ada"}, GET /me, POST /cart {"item":"tea"}, POST /logout');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
