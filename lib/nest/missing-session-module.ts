/**
 * Thrown at start-up by what needs SessionModule's providers (the `@Session()` and `@Flash()`
 * pipes, `SessionGuard`, `SessionWsInterceptor`) in an app that does not import it. They take
 * those providers as optional, so that this message, rather than Nest's dependency error
 * naming our internals, tells what to fix.
 */
export function missingSessionModuleError(user: string): Error {
  return new Error(
    `nest-sessions: ${user} needs SessionModule: import SessionModule.forRoot() (or forRootAsync()) in the app's root module ` +
      '(with isGlobal: false, also in every module that uses it)',
  );
}
