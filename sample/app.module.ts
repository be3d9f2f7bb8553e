import { Module } from '@nestjs/common';
import passport from 'passport';
import { SessionModule } from '../lib/index.js';
import { AppController } from './app.controller.js';
import { AuthModule } from './auth/auth.module.js';
import { EventsGateway } from './events.gateway.js';
import { PageController } from './page.controller.js';
import { createSampleStore } from './sample-store.js';

/** The sample app: sessions on the embedded MemoryStore unless SESSION_STORE says otherwise. */
@Module({
  imports: [
    SessionModule.forRootAsync({
      useFactory: () => ({
        secret: process.env.SESSION_SECRET ?? 'sample-secret-change-me-in-production',
        store: createSampleStore(),
        cookie: { maxAge: 30 * 60 * 1000, sameSite: 'lax', secure: 'auto' },
        rolling: true,
        // A global guard refuses state-changing requests from other sites; forms carry the token.
        csrf: true,
        // Passport needs req.session: its middleware runs right after the session middleware.
        middleware: [passport.initialize(), passport.session()],
      }),
    }),
    AuthModule,
  ],
  controllers: [AppController, PageController],
  providers: [EventsGateway],
})
export class AppModule {}
