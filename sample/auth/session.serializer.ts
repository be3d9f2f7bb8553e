import { Injectable } from '@nestjs/common';
import { PassportSerializer } from '@nestjs/passport';
import { UsersService } from './users.service.js';
import type { SampleUser } from './users.service.js';

/** Keeps only the user id in the session (`session.passport.user`) and looks the user up per request. */
@Injectable()
export class SessionSerializer extends PassportSerializer {
  constructor(private readonly users: UsersService) {
    super();
  }

  serializeUser(user: SampleUser, done: (error: Error | null, userId?: number) => void): void {
    done(null, user.id);
  }

  deserializeUser(userId: number, done: (error: Error | null, user?: SampleUser | null) => void): void {
    // null (a deleted user) makes Passport drop the login from the session.
    done(null, this.users.findById(userId));
  }
}
