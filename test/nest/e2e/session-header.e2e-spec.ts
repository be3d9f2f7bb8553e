import { backingStoreName, newBackingStore } from '../../support/backing-store.js';
import { bearer, createHeaderSessionsApp, describeHeaderClients, expectNoSetCookie } from '../../support/header-sessions-app.js';
import { PLATFORMS } from '../../support/platforms.js';
import { signSessionId } from '../../../lib/index.js';

describe.each(PLATFORMS)(`the header option on ${backingStoreName()}, over HTTP on $name`, (platform) => {
  describeHeaderClients(platform, () => ({ store: newBackingStore() }));
});

describe.each(PLATFORMS)('the header option, configured, on $name', (platform) => {
  it('reads a header of its own and answers in the response header chosen; a scheme of its own in WWW-Authenticate', async () => {
    const { app, http } = await createHeaderSessionsApp(platform, {
      header: { name: 'X-Session', scheme: 'Session', responseHeader: 'X-Session-Token' },
    });
    try {
      const fresh = await http.get('/views').set('X-Session', 'Session s:unknown.token').expect(200);
      expect(fresh.body.views).toBe(1);
      expectNoSetCookie(fresh);
      const token = fresh.headers['x-session-token'] as string;
      expect(token).toMatch(/^s:/);
      expect((await http.get('/views').set('X-Session', `session ${token}`).expect(200)).body.views).toBe(2);
      // Authorization is not the header here: a cookie request like any other.
      expect((await http.get('/views').set('Authorization', bearer(token)).expect(200)).body.views).toBe(1);
      const refused = await http.get('/me').set('X-Session', 'Session s:forged.value').expect(401);
      expect(refused.headers['www-authenticate']).toBe('Session');
    } finally {
      await app.close();
    }
  });

  it('accepts a token signed with an older secret and, when the id is written (rolling), hands the app one signed with the current secret', async () => {
    const newSecret = 'the new secret, long enough to sign session ids';
    const oldSecret = 'the old secret, long enough to sign session ids!';
    // The app signs with the new secret and still verifies the old one (a secret being rotated).
    const rotated = await createHeaderSessionsApp(platform, { secret: [newSecret, oldSecret], rolling: true });
    try {
      const signedIn = await rotated.http.post('/login?user=ada').expect(200);
      const sessionId = (signedIn.body.token as string).slice(2, (signedIn.body.token as string).lastIndexOf('.'));
      const oldToken = signSessionId(sessionId, oldSecret);
      const response = await rotated.http.get('/me').set('Authorization', bearer(oldToken)).expect(200, { userId: 'ada' });
      expect(response.headers['session-token']).toBe(signSessionId(sessionId, newSecret));
      expectNoSetCookie(response);
      // The current token is not repeated, rolling or not.
      const again = await rotated.http.get('/me').set('Authorization', bearer(response.headers['session-token'] as string)).expect(200);
      expect(again.headers['session-token']).toBeUndefined();
    } finally {
      await rotated.app.close();
    }
  });

  it('without the option, the Authorization header changes nothing: cookies only', async () => {
    const { app, http } = await createHeaderSessionsApp(platform, { header: false });
    try {
      const { token } = (await http.post('/login?user=ada').expect(200)).body;
      const refused = await http.get('/me').set('Authorization', bearer(token)).expect(401);
      expect(refused.headers['www-authenticate']).toBeUndefined();
    } finally {
      await app.close();
    }
  });
});
