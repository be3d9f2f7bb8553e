import { Logger } from '@nestjs/common';

/** Passport's error when `passport.session()` finds no `req.session` (passport 0.4 to 0.7). */
const PASSPORT_WITHOUT_SESSION = /Login sessions require session support/;

const MIDDLEWARE_OPTION = 'SessionModule.forRoot({ ..., middleware: [passport.initialize(), passport.session()] })';

const PASSPORT_BEFORE_SESSION_HINT =
  "nest-sessions: Passport found no req.session ('Login sessions require session support'): its middleware ran " +
  'before the session middleware, as app.use(passport.session()) in main.ts does (app.use() runs before every ' +
  `module's middleware). Remove it from main.ts and give Passport's middleware to SessionModule, which runs it right ` +
  `after the session: ${MIDDLEWARE_OPTION}.`;

/** Why @fastify/passport cannot run on these sessions, and what to use instead. */
export const FASTIFY_PASSPORT_ADVICE =
  "@fastify/passport needs the session API of @fastify/session or @fastify/secure-session (session.get/set), and " +
  "nest-sessions provides express-session's. Use passport itself, which runs on Fastify too, with @nestjs/passport: " +
  `${MIDDLEWARE_OPTION}, instead of registering @fastify/passport (and a second session plugin for it).`;

const FASTIFY_PASSPORT_HINT = `nest-sessions: @fastify/passport failed on req.session. ${FASTIFY_PASSPORT_ADVICE}`;

/** What @fastify/passport's `initialize()` plugin puts on Fastify's request. */
interface FastifyPassportRequest {
  passport?: { sessionManager?: { getUserFromSession?: unknown } };
  session?: { get?: unknown };
}

/**
 * Recognises, from the error that failed a request, Passport set up without the session (the
 * way most tutorials do it), and logs how to fix it, once per application: the 500 itself
 * carries only Passport's advice to use express-session.
 */
export class PassportHint {
  #hasWarned = false;

  constructor(private readonly logger: Pick<Logger, 'warn'> = new Logger('SessionModule')) {}

  /** Looks at an error that ended a request before its handler; `request` as the platform hands it. */
  noteRequestError(error: unknown, request: unknown): void {
    if (this.#hasWarned) return;
    const hint = hintFor(error, request);
    if (hint === undefined) return;
    this.#hasWarned = true;
    this.logger.warn(hint);
  }
}

function hintFor(error: unknown, request: unknown): string | undefined {
  if (error instanceof Error && PASSPORT_WITHOUT_SESSION.test(error.message)) return PASSPORT_BEFORE_SESSION_HINT;
  if (error instanceof TypeError && usesFastifyPassportWithoutItsSession(request)) return FASTIFY_PASSPORT_HINT;
  return undefined;
}

/** A request @fastify/passport initialised, whose session lacks @fastify/session's `get`. */
function usesFastifyPassportWithoutItsSession(request: unknown): boolean {
  const candidate = request as FastifyPassportRequest | null | undefined;
  return typeof candidate?.passport?.sessionManager?.getUserFromSession === 'function' && typeof candidate.session?.get !== 'function';
}
