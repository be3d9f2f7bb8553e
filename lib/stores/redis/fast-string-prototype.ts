/**
 * ioredis declares `class VerbatimString extends String`, which leaves `String.prototype` in
 * V8's dictionary (slow) mode for the life of the process: every string method call of the
 * whole app then pays a slow lookup, sessions or not. A property store on an object that
 * inherits from a prototype makes V8 turn that prototype back into fast mode, so this module
 * loads ioredis and then performs one such store. `lib/redis.ts` imports it first.
 */
import 'ioredis';

const probe = Object.create(String.prototype) as Record<string, unknown>;
probe.nestSessionsFastPrototype = true;
