import { Injectable, Optional } from '@nestjs/common';
import type { PipeTransform } from '@nestjs/common';
import { takeFlash } from '../core/session/flash.js';
import type { Session } from '../core/session/session.js';
import { missingSessionModuleError } from './missing-session-module.js';
import { SessionLookup, SessionLookupParam, withPlainDesignType } from './session.decorator.js';
import { SessionResolver } from './session-resolver.service.js';

/** Resolves a `@Flash()` parameter (a pipe, so the session can be loaded where the middleware did not run). */
@Injectable()
export class FlashParamPipe implements PipeTransform {
  private readonly sessionResolver: SessionResolver;

  constructor(@Optional() sessionResolver?: SessionResolver) {
    if (!sessionResolver) throw missingSessionModuleError('@Flash()');
    this.sessionResolver = sessionResolver;
  }

  async transform(value: unknown): Promise<unknown> {
    if (!(value instanceof SessionLookup)) return value;
    const session = (await this.sessionResolver.sessionFor(value.context)) as Session | undefined;
    if (value.key === undefined) return session ? takeFlash(session) : {};
    return session ? takeFlash(session, value.key) : [];
  }
}

/**
 * The flash messages earlier requests left with `session.flash(key, value)`, read once:
 * `@Flash('notice') notices: unknown[]` gives the messages under one key (`[]` when none),
 * `@Flash() all: Record<string, unknown[]>` every key. Reading removes them from the session
 * (each message goes to one request, also when requests overlap, on stores that can take
 * messages atomically) unless the response is a 5xx; messages flashed during the current
 * request are kept for the next one.
 */
export function Flash(key?: string): ParameterDecorator {
  return withPlainDesignType(Flash, SessionLookupParam(key, FlashParamPipe));
}
