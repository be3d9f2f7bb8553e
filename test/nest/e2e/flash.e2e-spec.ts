import expressSession from 'express-session';
import { SessionManager } from '../../../lib/index.js';
import type { Session } from '../../../lib/index.js';
import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import { describeFlashOverHttp } from '../../support/flash-app.js';
import { createSessionApp } from '../../support/e2e-app.js';
import { EXPRESS, PLATFORMS } from '../../support/platforms.js';

describe.each(PLATFORMS)(`flash messages on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describeFlashOverHttp(platform, () => ({ store: newBackingStore() }));
});

// An express-session store cannot remove messages atomically: overlapping requests are not covered there.
describe.each(PLATFORMS)('flash messages on an express-session store, over HTTP on $name', (platform) => {
  describeFlashOverHttp(platform, () => ({ store: new expressSession.MemoryStore() }), { takesAtomically: false });
});

describe('session.flash', () => {
  it('needs a string key, and is a method: it is never stored as data', async () => {
    const app = await createSessionApp(EXPRESS);
    try {
      const manager = app.get(SessionManager);
      const request = { headers: {}, url: '/' } as Parameters<SessionManager['attach']>[0];
      await manager.attach(request);
      const session = request.session as Session;
      expect(() => session.flash(42 as unknown as string, 'x')).toThrow(TypeError);
      session.flash('__proto__', 'kept as data');
      expect(Object.keys(session)).toEqual(['cookie', '__flash']);
      const messages = (session as unknown as { __flash: object }).__flash;
      expect(Object.values(messages)).toEqual([{ key: '__proto__', value: 'kept as data' }]);
      expect(Object.getPrototypeOf(messages)).toBe(Object.prototype);
    } finally {
      await app.close();
    }
  });
});
