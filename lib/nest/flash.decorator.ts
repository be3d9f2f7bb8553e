import { createParamDecorator, Injectable } from '@nestjs/common';
import type { ExecutionContext, PipeTransform } from '@nestjs/common';
import { takeAllFlash, takeFlash } from '../core/flash.js';
import type { Session } from '../core/session.js';
import { SessionResolver } from './session-resolver.service.js';

/** What the parameter factory hands the pipe: where to find the session, and which key. */
class FlashLookup {
  constructor(
    readonly context: ExecutionContext,
    readonly key: string | undefined,
  ) {}
}

/** Resolves a `@Flash()` parameter (a pipe, so the session can be loaded where the middleware did not run). */
@Injectable()
export class FlashParamPipe implements PipeTransform {
  constructor(private readonly sessionResolver: SessionResolver) {}

  async transform(value: unknown): Promise<unknown> {
    if (!(value instanceof FlashLookup)) return value;
    const session = (await this.sessionResolver.sessionFor(value.context)) as Session | undefined;
    if (value.key === undefined) return session ? takeAllFlash(session) : {};
    return session ? takeFlash(session, value.key) : [];
  }
}

const FlashLookupParam = createParamDecorator(
  (key: string | undefined, context: ExecutionContext) => new FlashLookup(context, key),
);

/**
 * The flash messages earlier requests left with `session.flash(key, value)`, read once:
 * `@Flash('notice') notices: unknown[]` gives the messages under one key (`[]` when none),
 * `@Flash() all: Record<string, unknown[]>` every key. Reading removes them from the session;
 * messages flashed during the current request are kept for the next one.
 */
export function Flash(key?: string): ParameterDecorator {
  return FlashLookupParam(key, FlashParamPipe);
}
