import { Logger } from '@nestjs/common';
import { SessionOptionsError } from '../core/errors.js';
import { resolveCsrfOptions } from '../core/csrf/csrf-options.js';
import { aFunction, BOOLEAN, checkedOption } from '../core/option-checks.js';
import { resolveSessionOptions, unknownOptionNames } from '../core/options/resolve-options.js';
import type { ResolvedSessionOptions } from '../core/options/resolve-options.js';
import type { SessionModuleOptions } from './session-module-options.interface.js';

/** Options of the Nest layer itself, on top of the middleware's. */
const MODULE_OPTION_NAMES = new Set(['memoryStore', 'forRoutes', 'exclude', 'middleware', 'isAuthenticated', 'closeStoreOnShutdown', 'csrf']);

/**
 * Checks the module's options at start-up (a bad option fails `app.init()` with a message
 * naming it) and resolves the middleware's. Unknown names are warned about: usually typos.
 */
export function resolveModuleOptions(options: SessionModuleOptions): ResolvedSessionOptions {
  const logger = new Logger('SessionModule');
  const resolved = resolveSessionOptions(options, (message) => logger.warn(message));
  for (const listOption of ['forRoutes', 'exclude'] as const) {
    const routes = options[listOption];
    if (routes !== undefined && !Array.isArray(routes)) {
      throw new SessionOptionsError(listOption, "must be an array of routes, e.g. ['api/{*path}']");
    }
  }
  const { middleware } = options;
  if (middleware !== undefined && (!Array.isArray(middleware) || middleware.some((entry) => typeof entry !== 'function'))) {
    throw new SessionOptionsError('middleware', 'must be an array of (req, res, next) functions, e.g. [passport.initialize(), passport.session()]');
  }
  checkedOption('isAuthenticated', options.isAuthenticated, aFunction('(session, context) => boolean'));
  if (options.memoryStore !== undefined && (typeof options.memoryStore !== 'object' || options.memoryStore === null)) {
    throw new SessionOptionsError('memoryStore', 'must be an object of MemoryStore options');
  }
  checkedOption('closeStoreOnShutdown', options.closeStoreOnShutdown, BOOLEAN);
  resolveCsrfOptions(options.csrf);
  const unknownNames = unknownOptionNames(options).filter((name) => !MODULE_OPTION_NAMES.has(name));
  if (unknownNames.length > 0) {
    logger.warn(`Unknown option(s) ignored: ${unknownNames.join(', ')}. Check the spelling.`);
  }
  return resolved;
}
