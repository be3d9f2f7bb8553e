import { Injectable, UnauthorizedException } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { UsersService } from './users.service.js';
import type { SampleUser } from './users.service.js';

/** passport-local: checks `username` / `password` from the request body. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy) {
  constructor(private readonly users: UsersService) {
    super();
  }

  validate(username: string, password: string): SampleUser {
    const user = this.users.findByCredentials(username, password);
    if (!user) throw new UnauthorizedException('Wrong username or password');
    return user;
  }
}
