import { requireBuiltPackage, runFixture } from './built-package.js';

/**
 * The dual-package hazard: an app may load the ESM build and the CommonJS build together. The
 * SessionStore injection token and the classes tested with instanceof must be one across them.
 */
describe('the ESM and the CommonJS build loaded in one process', () => {
  beforeAll(requireBuiltPackage);

  it.each(['esm-first', 'cjs-first'])('share the SessionStore token and the error classes (%s)', (order) => {
    expect(runFixture('both-builds.mjs', [order])).toEqual({
      buildsAreDistinct: true,
      sameSessionStoreToken: true,
      injectedIsTheModulesStore: true,
      cjsMemoryStoreIsEsmSessionStore: true,
      esmMemoryStoreIsCjsSessionStore: true,
      cjsErrorIsEsmUnavailableError: true,
      cjsErrorIsEsmStoreError: true,
      esmOptionsErrorIsCjsOptionsError: true,
      cjsNotSupportedErrorIsEsmNotSupportedError: true,
      esmNotSupportedErrorIsCjsNotSupportedError: true,
      errorNamesAreTheExportedOnes: true,
    });
  });
});
