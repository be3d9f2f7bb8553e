import type { Type } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { ModulesContainer } from '@nestjs/core';
import { SessionOptionsError } from '../core/errors.js';

/** Nest's metadata key of a module's `imports` (`MODULE_METADATA.IMPORTS`). */
const IMPORTS_METADATA = 'imports';

/**
 * Fails start-up when the application holds more than one SessionModule (`forRoot()` or
 * `forRootAsync()` imported twice, say in AppModule and in a feature module): Express would
 * keep the first and silently ignore the second's options, Fastify would refuse the second.
 */
export function assertOneSessionModule(modulesContainer: ModulesContainer, sessionModule: Type): void {
  const modules = [...modulesContainer.values()];
  const sessionModuleCount = modules.filter((module) => module.metatype === sessionModule).length;
  if (sessionModuleCount <= 1) return;
  const importers = modules
    .filter((module) => declaredImportsOf(module.metatype).some((entry) => isSessionModule(entry, sessionModule)))
    .map((module) => module.metatype.name);
  const byImporters = importers.length > 0 ? ` (by ${importers.join(', ')})` : '';
  throw new SessionOptionsError(
    'SessionModule.forRoot',
    `SessionModule.forRoot() / forRootAsync() is imported ${sessionModuleCount} times in one application${byImporters}: ` +
      'import it once, in the root module (AppModule). The module is global (isGlobal: true, the default), so feature ' +
      'modules get @Session(), SessionGuard, SessionStore and UserSessions without importing it.',
  );
}

/** The `imports` a module class declares in `@Module()` (not those of a dynamic module's own definition). */
function declaredImportsOf(metatype: Type): unknown[] {
  return new Reflector().get<unknown[] | undefined>(IMPORTS_METADATA, metatype) ?? [];
}

/** A `SessionModule.forRoot()` / `forRootAsync()` result, or the class itself. */
function isSessionModule(entry: unknown, sessionModule: Type): boolean {
  return entry === sessionModule || (entry as { module?: unknown } | null)?.module === sessionModule;
}
