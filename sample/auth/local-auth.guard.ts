import { Injectable } from '@nestjs/common';
import type { ExecutionContext } from '@nestjs/common';
import { AuthGuard } from '@nestjs/passport';

/**
 * Checks the credentials with the local strategy, then logs in: Passport regenerates the
 * session (a new id, against session fixation) and saves the user id in it.
 */
@Injectable()
export class LocalAuthGuard extends AuthGuard('local') {
  override async canActivate(context: ExecutionContext): Promise<boolean> {
    const isValid = (await super.canActivate(context)) as boolean;
    await super.logIn(context.switchToHttp().getRequest());
    return isValid;
  }
}
