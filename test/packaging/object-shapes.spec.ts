import { requireBuiltPackage, runFixture } from './built-package.js';

/** The fixture under --allow-natives-syntax (V8's %HaveSameMap, %HasFastProperties). */
function objectShapes(format: string, variant: string): Record<string, unknown> {
  return runFixture('object-shapes.mjs', [format, variant], ['--allow-natives-syntax']);
}

/**
 * The fixture in up to three processes, until one shows the requests sharing a class. In about
 * one process in thirty the objects are in dictionary mode but do not share a class, most likely
 * because V8's normalized-map cache (64 slots, picked by where a prototype's map lies in its
 * memory page) gives two of them one slot, where they evict each other (bench/PROFILE.md).
 */
function objectShapesOfSomeProcess(format: string, variant: string): Record<string, unknown> {
  let result: Record<string, unknown> = {};
  for (let attempt = 0; attempt < 3; attempt++) {
    result = objectShapes(format, variant);
    if (result.sameRequestShape === true && result.sameResponseShape === true) break;
  }
  return result;
}

/** Up to V8 12 (Node.js 20 to 23), Express's objects get a hidden class each; from V8 13 they share one. */
const v8GivesEachRequestItsOwnShape = Number.parseInt(process.versions.v8, 10) < 13;

describe("Express requests' and responses' V8 hidden classes with the session middleware", () => {
  beforeAll(requireBuiltPackage);

  it('differ from one request to the next in an Express app without it, on this V8 (the control)', () => {
    expect(objectShapes('esm', 'express-control')).toMatchObject({
      sameRequestShape: !v8GivesEachRequestItsOwnShape,
      sameResponseShape: !v8GivesEachRequestItsOwnShape,
      requestIsFastBeforeSession: true,
    });
  });

  it.each(['esm', 'cjs'])('are shared by every request in an Express app with it (%s build)', (format) => {
    expect(objectShapesOfSomeProcess(format, 'express')).toEqual({
      sameRequestShape: true,
      sameResponseShape: true,
      // Dictionary mode only where V8 would otherwise give each request a class of its own.
      requestIsFast: !v8GivesEachRequestItsOwnShape,
      responseIsFast: !v8GivesEachRequestItsOwnShape,
      hasSession: true,
      // Switched as the router starts (the first request wrapped it): before a middleware mounted ahead of the session.
      requestIsFastBeforeSession: !v8GivesEachRequestItsOwnShape,
    });
  });

  it("are left as they are on Node's own prototypes (plain http, as Fastify's requests)", () => {
    expect(objectShapes('esm', 'http')).toEqual({
      sameRequestShape: true,
      sameResponseShape: true,
      requestIsFast: true,
      responseIsFast: true,
      hasSession: true,
    });
  });
});

describe("Express requests' and responses' V8 hidden classes in a Nest app with SessionModule", () => {
  beforeAll(requireBuiltPackage);

  /** Dictionary mode (not fast) in the app's first `app.use()` middleware: the switch ran before it and before Nest's body parsers. */
  const switchedFirst = { requestIsFast: !v8GivesEachRequestItsOwnShape, responseIsFast: !v8GivesEachRequestItsOwnShape, bodyIsUnparsed: true };

  it.each([
    ['NestFactory.create', 'factory'],
    ['Test.createTestingModule', 'testing'],
  ])('are put in dictionary mode before any middleware of the app (app from %s)', (_creator, creation) => {
    expect(runFixture('nest-object-shapes.mjs', [creation], ['--allow-natives-syntax'])).toEqual(switchedFirst);
  });

  it('are left in fast mode without SessionModule (the control)', () => {
    expect(runFixture('nest-object-shapes.mjs', ['control'], ['--allow-natives-syntax'])).toEqual({
      requestIsFast: true,
      responseIsFast: true,
      bodyIsUnparsed: true,
    });
  });
});

describe('the switch as an Express 5 application hands a request to its router (shareExpressObjectShapesFromStart)', () => {
  beforeAll(requireBuiltPackage);

  it("is made before the router's first layer: a request that no middleware and no route took is switched", () => {
    expect(runFixture('router-object-shapes.mjs', ['from-start'], ['--allow-natives-syntax'])).toEqual({
      installed: [true, true],
      requestIsFast: !v8GivesEachRequestItsOwnShape,
      responseIsFast: !v8GivesEachRequestItsOwnShape,
      // An application without an Express 5 router is not wrapped (the switch at attach serves it).
      noRouter: false,
      // Installed twice, wrapped once.
      handleKept: true,
    });
  });

  it('is not made without it (the control)', () => {
    expect(runFixture('router-object-shapes.mjs', ['control'], ['--allow-natives-syntax'])).toMatchObject({ requestIsFast: true, responseIsFast: true });
  });
});
