/** Jest 30 + ts-jest in ESM mode (Nest 12 is ESM-only; plain CJS jest cannot load it on Node 20). */
const shared = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};

/**
 * The module's e2e suites that do not run again on PostgreSQL, each for the reason given: they
 * never reach the test apps' backing store, or what they check is another store's.
 */
export const NOT_ON_POSTGRES = {
  'config-service': "the README's forRootAsync example verbatim: no store option, so the module's own MemoryStore",
  'session-module': "the module's wiring: its default MemoryStore, memoryStore options, the stores it is given",
  'request-properties': 'createSessionMiddleware on plain Express and Node, checks request properties, not the store',
  'response-hook-placement': 'createSessionMiddleware on plain Express, checks where the response hooks sit, not the store',
  'without-session-module': 'apps without SessionModule: no store at all',
  'sample-auth': 'the sample app, on the store its SESSION_STORE chooses (memory or redis)',
};

export default {
  testTimeout: 30000,
  // One worker at a time (suites share the servers), replaced above 1 GB after a suite: one
  // process for the whole run grew to V8's heap limit, where GC stalls pushed store calls past their deadline.
  maxWorkers: 1,
  workerIdleMemoryLimit: '1GB',
  projects: [
    { ...shared, displayName: 'all (e2e on MemoryStore)', testMatch: ['**/*.spec.ts', '**/*.e2e-spec.ts'] },
    {
      ...shared,
      // The module's e2e suites again, their test apps' sessions in PostgreSQL (test/support/backing-store.ts).
      displayName: 'e2e on PostgreSQL',
      testMatch: ['<rootDir>/test/nest/**/*.e2e-spec.ts'],
      testPathIgnorePatterns: ['/node_modules/', ...Object.keys(NOT_ON_POSTGRES).map((name) => `/test/nest/[^/]+/${name}\\.e2e-spec\\.ts$`)],
      setupFilesAfterEnv: ['<rootDir>/test/support/postgres-backing.setup.ts'],
    },
  ],
};
