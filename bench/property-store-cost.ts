/**
 * `node bench/.tmp/bench/property-store-cost.js`: what adding properties to a request costs
 * when, as Express 5 does for every request, its prototype was changed with
 * `Object.setPrototypeOf` — against a request whose prototype was not changed, and against
 * keeping the same values in a WeakMap. CPU time per object, so a busy machine barely moves it.
 */
import { IncomingMessage } from 'node:http';
import { Socket } from 'node:net';

const socket = new Socket();
const expressLikePrototype = Object.create(IncomingMessage.prototype) as object;
const slots = new WeakMap<object, { sessionStore: number; sessionID: string; session: object }>();

/** The three properties express-session and nest-sessions add to every request. */
function addSessionProperties(request: Record<string, unknown>): void {
  request.sessionStore = 1;
  request.sessionID = 'id';
  request.session = {};
}

function nanosecondsPerObject(label: string, makeAndFill: () => void): void {
  for (let index = 0; index < 20_000; index++) makeAndFill();
  const count = 200_000;
  const startedAt = process.cpuUsage();
  for (let index = 0; index < count; index++) makeAndFill();
  const used = process.cpuUsage(startedAt);
  console.log(`${label.padEnd(58)} ${(((used.user + used.system) * 1000) / count).toFixed(0).padStart(6)} ns`);
}

const newRequest = () => new IncomingMessage(socket) as unknown as Record<string, unknown>;
const newExpressRequest = () => Object.setPrototypeOf(newRequest(), expressLikePrototype) as Record<string, unknown>;

nanosecondsPerObject('IncomingMessage', () => newRequest());
nanosecondsPerObject('IncomingMessage + 3 properties', () => addSessionProperties(newRequest()));
nanosecondsPerObject('IncomingMessage, prototype changed (Express 5)', () => newExpressRequest());
nanosecondsPerObject('IncomingMessage, prototype changed + 3 properties', () => addSessionProperties(newExpressRequest()));
nanosecondsPerObject('IncomingMessage, prototype changed + 3 values in a WeakMap', () => {
  slots.set(newExpressRequest(), { sessionStore: 1, sessionID: 'id', session: {} });
});
