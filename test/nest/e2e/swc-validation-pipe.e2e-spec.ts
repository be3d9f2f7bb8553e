import 'reflect-metadata';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { types } from 'node:util';
import { ValidationPipe } from '@nestjs/common';
import type { INestApplication, PipeTransform, Type } from '@nestjs/common';
import swc from '@swc/core';
import request from 'supertest';
import { cookiePair, createSessionApp } from '../../support/e2e-app.js';
import { PLATFORMS } from '../../support/platforms.js';

/**
 * Apps built with SWC (`nest start -b swc`) under a global `ValidationPipe` that validates
 * custom decorators. SWC has no type information: for `@Session() session: Session` it records
 * the `Session` decorator function as the parameter's design type, and the pipe validated (and
 * walked) the value our parameter factory hands the param pipe, which reaches the whole request
 * graph: the handler answered 500 (Maximum call stack size exceeded in stripProtoKeys).
 */
const FIXTURE = 'test/nest/e2e/swc-param-decorators.controller.ts';
// As deep below the root as the fixture, so that its relative imports ('../../../lib/index.js') still resolve.
const COMPILED = join(process.cwd(), 'test-output', 'swc', 'nest', 'swc-param-decorators.controller.js');

/** The fixture compiled as Nest's SWC builder compiles (legacy decorators with their metadata), as ESM. */
async function compiledController(): Promise<Type> {
  const { code } = swc.transformFileSync(FIXTURE, {
    swcrc: false,
    jsc: {
      target: 'es2021',
      parser: { syntax: 'typescript', decorators: true },
      transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false },
      keepClassNames: true,
    },
    module: { type: 'es6' },
  });
  mkdirSync(join(COMPILED, '..'), { recursive: true });
  writeFileSync(COMPILED, code);
  const compiled = (await import(pathToFileURL(COMPILED).href)) as { ParamDecoratorsController: Type };
  return compiled.ParamDecoratorsController;
}

/**
 * Walks a value as Nest 11's ValidationPipe.stripProtoKeys does before validating: recursively,
 * through every enumerable key, with no guard against cycles (Nest 12's keeps a visited set).
 */
function stripProtoKeysAsNest11(value: unknown): void {
  if (value == null || typeof value !== 'object' || types.isTypedArray(value)) return;
  if (Array.isArray(value)) {
    for (const item of value) stripProtoKeysAsNest11(item);
    return;
  }
  delete (value as { __proto__?: unknown }).__proto__;
  for (const key in value) stripProtoKeysAsNest11((value as Record<string, unknown>)[key]);
}

/** A global pipe that walks every value it gets, as Nest 11's ValidationPipe does. */
class WalkingPipe implements PipeTransform {
  transform(value: unknown): unknown {
    stripProtoKeysAsNest11(value);
    return value;
  }
}

let controller: Type;
beforeAll(async () => {
  controller = await compiledController();
});

it('SWC output: @Session() parameters get Object as their design type, not the decorator function', () => {
  const designTypes = (method: string) => Reflect.getMetadata('design:paramtypes', controller.prototype, method) as unknown[];
  expect(designTypes('flash')).toEqual([Object]);
  expect(designTypes('value')).toEqual([Object, Object]);
  expect(designTypes('notices')).toEqual([Array]);
});

describe.each(PLATFORMS)('handlers compiled by SWC, on $name', (platform) => {
  let app: INestApplication | undefined;

  async function start(globalPipe: PipeTransform) {
    app = await createSessionApp(platform, {}, { controllers: [controller] }, (created) => created.useGlobalPipes(globalPipe));
    return request(app.getHttpServer());
  }

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  it.each([
    ['a global ValidationPipe({ validateCustomDecorators: true })', () => new ValidationPipe({ validateCustomDecorators: true })],
    ['a global pipe that walks every value it gets (as Nest 11\'s ValidationPipe)', () => new WalkingPipe()],
  ])('get their @Session() and @Flash() values under %s', async (_pipeName, globalPipe) => {
    const http = await start(globalPipe());
    const flashed = await http.post('/flash').expect(201, { hasSession: true });
    const cookie = cookiePair(flashed.headers['set-cookie'])!;
    await http.get('/value').set('Cookie', cookie).expect(200, { sameCookie: true });
    await http.get('/notices').set('Cookie', cookie).expect(200, { notices: ['saved'] });
    await http.post('/flash').set('Cookie', cookie).expect(201);
    await http.get('/all-messages').set('Cookie', cookie).expect(200, { messages: { notice: ['saved'] } });
  });
});
