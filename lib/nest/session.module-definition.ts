import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { SessionModuleOptions } from './session-module-options.interface.js';

/**
 * `SessionModule.forRoot()` / `forRootAsync()` come from Nest's builder. The module is global
 * by default (`isGlobal: true`) so `@Session()` and `SessionGuard` work in every feature module.
 */
export const {
  ConfigurableModuleClass: ConfigurableSessionModule,
  MODULE_OPTIONS_TOKEN: SESSION_MODULE_OPTIONS,
  OPTIONS_TYPE: SESSION_MODULE_OPTIONS_TYPE,
  ASYNC_OPTIONS_TYPE: SESSION_MODULE_ASYNC_OPTIONS_TYPE,
} = new ConfigurableModuleBuilder<SessionModuleOptions>({ moduleName: 'Session' })
  .setClassMethodName('forRoot')
  // useClass / useExisting providers implement createSessionOptions(), as in SessionOptionsFactory.
  .setFactoryMethodName('createSessionOptions')
  .setExtras({ isGlobal: true }, (definition, extras) => ({ ...definition, global: extras.isGlobal }))
  .build();

/** What a class given to `forRootAsync({ useClass })` or `useExisting` implements. */
export interface SessionOptionsFactory {
  createSessionOptions(): SessionModuleOptions | Promise<SessionModuleOptions>;
}
