import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

/** Starts the sample on PORT (default 3000) and prints its URL. */
async function main(): Promise<void> {
  const app = await NestFactory.create(AppModule);
  app.enableShutdownHooks();
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, process.env.HOST ?? '127.0.0.1');
  console.log(`nest-sessions sample listening on ${await app.getUrl()}`);
  console.log('Try: GET /visits, POST /login {"username":"ada"}, GET /me, POST /cart {"item":"tea"}, POST /logout');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
