import { IncomingMessage } from 'node:http';
import { installedOnApplicationPrototype } from '../../../../lib/core/http/express/application-prototype.js';

/** An Express-like application: `app.request` over a framework base over Node's prototype. */
function expressLikeApplication(): { app: object; request: object } {
  const frameworkBase = Object.create(IncomingMessage.prototype) as object;
  const app = {};
  const request = Object.create(frameworkBase, { app: { value: app, enumerable: true, writable: true, configurable: true } }) as object;
  return { app, request };
}

describe('installedOnApplicationPrototype', () => {
  it("installs once on an application's request prototype and answers every request of it", () => {
    const installed: object[] = [];
    const lookup = installedOnApplicationPrototype(IncomingMessage.prototype, (prototype) => {
      installed.push(prototype);
      return 'hooks';
    });
    const { request } = expressLikeApplication();
    expect(lookup(Object.create(request))).toBe('hooks');
    expect(lookup(Object.create(request))).toBe('hooks');
    expect(installed).toEqual([request]);
  });

  it("answers an object without `app` (Fastify's raw request, plain http's) without reading its prototype", () => {
    const lookup = installedOnApplicationPrototype(IncomingMessage.prototype, () => 'hooks');
    let prototypeReads = 0;
    const plainRequest = new Proxy(Object.create(IncomingMessage.prototype) as object, {
      getPrototypeOf(target) {
        prototypeReads += 1;
        return Reflect.getPrototypeOf(target);
      },
    });
    expect(lookup(plainRequest)).toBeUndefined();
    expect(lookup(plainRequest)).toBeUndefined();
    expect(prototypeReads).toBe(0);
  });

  it("gives undefined for an object with `app` whose prototype is Node's own, installing nothing", () => {
    let installs = 0;
    const lookup = installedOnApplicationPrototype(IncomingMessage.prototype, () => {
      installs += 1;
      return 'hooks';
    });
    const request = Object.assign(Object.create(IncomingMessage.prototype) as object, { app: {} });
    expect(lookup(request)).toBeUndefined();
    expect(installs).toBe(0);
  });
});
