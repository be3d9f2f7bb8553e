import { Module } from '@nestjs/common';
import { PassportModule } from '@nestjs/passport';
import { AuthController } from './auth.controller.js';
import { LocalStrategy } from './local.strategy.js';
import { SessionSerializer } from './session.serializer.js';
import { UsersService } from './users.service.js';

/**
 * Passport login on the sample's sessions. Needs Passport's middleware after the session's:
 * `SessionModule.forRoot({ ..., middleware: [passport.initialize(), passport.session()] })`.
 */
@Module({
  imports: [PassportModule.register({ session: true })],
  controllers: [AuthController],
  providers: [UsersService, LocalStrategy, SessionSerializer],
})
export class AuthModule {}
