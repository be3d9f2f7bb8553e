// Walks an app built from a consumer template through login → me → logout over HTTP.
// Usage: node .ci/consumer-flow.mjs http://127.0.0.1:PORT (waits up to 60 s for it to answer).
const base = process.argv[2];
const deadline = Date.now() + 60_000;

async function firstAnswer() {
  for (;;) {
    try {
      return await fetch(`${base}/me`);
    } catch (error) {
      if (Date.now() > deadline) throw new Error(`the app did not answer on ${base}: ${error.message}`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

function expectStatus(response, status, what) {
  if (response.status !== status) throw new Error(`${what}: expected ${status}, got ${response.status}`);
}

const anonymous = await firstAnswer();
expectStatus(anonymous, 401, 'GET /me without a session');
const login = await fetch(`${base}/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify({ username: 'ada' }),
});
expectStatus(login, 201, 'POST /login');
const cookie = login.headers.get('set-cookie')?.split(';')[0];
if (!cookie?.startsWith('connect.sid=s%3A')) throw new Error(`POST /login set no signed session cookie (${cookie})`);
const me = await fetch(`${base}/me`, { headers: { cookie } });
expectStatus(me, 200, 'GET /me after login');
const body = await me.json();
if (body.userId !== 'ada') throw new Error(`GET /me answered ${JSON.stringify(body)}`);
expectStatus(await fetch(`${base}/logout`, { method: 'POST', headers: { cookie } }), 201, 'POST /logout');
expectStatus(await fetch(`${base}/me`, { headers: { cookie } }), 401, 'GET /me after logout');
console.log(`== consumer flow passed on ${base}: 401 → login → me → logout → 401`);
