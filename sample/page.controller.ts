import { Controller, Get, Header } from '@nestjs/common';
import { CsrfToken } from '../lib/index.js';

/**
 * A small page on GET / that drives the JSON routes from a browser: sign in and out, a visit
 * counter (also over the socket.io gateway), a cart form posted the classic way, and what scripts
 * can see of the cookies (not the HttpOnly session cookie). Its forms carry the session's CSRF
 * token in a hidden `_csrf` field.
 */
@Controller()
export class PageController {
  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  @Header('cache-control', 'no-store')
  page(@CsrfToken() csrfToken: string): string {
    // base64url: nothing in it needs escaping in an attribute.
    return samplePage(csrfToken);
  }
}

const samplePage = (csrfToken: string) => `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>nest-sessions sample</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; max-width: 34rem; margin: 2rem auto; padding: 0 1rem; color: #1f2933; }
    h1 { font-size: 1.5rem; margin-bottom: 0.25rem; }
    section { border: 1px solid #cbd2d9; border-radius: 8px; padding: 1rem; margin: 1rem 0; }
    .hint { color: #616e7c; font-size: 0.9rem; }
    #status.signed-in { color: #0b7a3e; font-weight: 600; }
    button { font: inherit; padding: 0.3rem 0.9rem; }
    input { font: inherit; padding: 0.25rem 0.5rem; }
    code { background: #f0f4f8; padding: 0.1rem 0.3rem; border-radius: 4px; }
  </style>
</head>
<body>
  <h1>nest-sessions sample</h1>
  <p class="hint">Server-side sessions: the browser holds only a signed, HttpOnly session cookie.</p>

  <section>
    <p id="status">Loading…</p>
    <form id="login-form">
      <input type="hidden" name="_csrf" value="${csrfToken}">
      <label>Name <input id="username" name="username" autocomplete="username" required></label>
      <button type="submit" id="login">Sign in</button>
    </form>
    <button type="button" id="logout" hidden>Sign out</button>
  </section>

  <section>
    <p>Visits in this session: <strong id="visits">–</strong></p>
    <button type="button" id="count">Count a visit</button>
    <button type="button" id="count-ws">Count over WebSocket</button>
    <p class="hint">Each page load counts one. Signing in starts a new session (a new id, against session fixation), so the count starts again.
      The WebSocket button uses the same session, through the cookie sent with the socket's handshake.</p>
  </section>

  <section>
    <form id="cart-form" method="post" action="/cart">
      <input type="hidden" name="_csrf" value="${csrfToken}">
      <label>Add to cart <input id="item" name="item" required></label>
      <button type="submit" id="add-to-cart">Add</button>
    </form>
    <p class="hint">A plain HTML form (no script): the hidden <code>_csrf</code> field proves the post comes from this page.</p>
  </section>

  <section>
    <p>Cookies this page's scripts can read: <code id="script-cookies"></code></p>
  </section>

  <script src="/socket.io/socket.io.js"></script>
  <script>
    // Browsers send Sec-Fetch-Site, which is enough; the token covers those that do not.
    const csrfToken = () => document.querySelector('input[name="_csrf"]').value;
    const json = (method, path, body) =>
      fetch(path, {
        method,
        credentials: 'same-origin',
        headers: { 'x-csrf-token': csrfToken(), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });

    async function showStatus() {
      const response = await json('GET', '/me');
      const status = document.getElementById('status');
      const isSignedIn = response.ok;
      const me = isSignedIn ? await response.json() : undefined;
      status.textContent = isSignedIn ? 'Signed in as ' + me.userId : 'Not signed in';
      status.className = isSignedIn ? 'signed-in' : '';
      document.getElementById('login-form').hidden = isSignedIn;
      document.getElementById('logout').hidden = !isSignedIn;
      document.getElementById('script-cookies').textContent = document.cookie || '(none)';
    }

    async function countVisit() {
      const { visits } = await (await json('GET', '/visits')).json();
      document.getElementById('visits').textContent = String(visits);
    }

    // A socket keeps the session cookie its handshake carried: connect when first needed, and
    // again after sign-in or sign-out, which change the cookie.
    let socket;
    function dropSocket() {
      socket?.disconnect();
      socket = undefined;
    }
    async function countVisitOverWebSocket() {
      socket ??= io({ transports: ['websocket'] });
      const { visits } = await socket.emitWithAck('visit');
      document.getElementById('visits').textContent = visits === null ? '–' : String(visits);
    }

    document.getElementById('login-form').addEventListener('submit', async (event) => {
      event.preventDefault();
      dropSocket();
      // The form as it is, hidden _csrf field included, urlencoded.
      const form = document.getElementById('login-form');
      const response = await fetch('/login', { method: 'POST', credentials: 'same-origin', body: new URLSearchParams(new FormData(form)) });
      const { csrfToken } = await response.json();
      for (const field of document.querySelectorAll('input[name="_csrf"]')) field.value = csrfToken;
      document.getElementById('visits').textContent = '0';
      await showStatus();
    });
    document.getElementById('logout').addEventListener('click', async () => {
      dropSocket();
      await json('POST', '/logout');
      document.getElementById('visits').textContent = '–';
      await showStatus();
    });
    document.getElementById('count').addEventListener('click', countVisit);
    document.getElementById('count-ws').addEventListener('click', countVisitOverWebSocket);

    // One after the other: both would otherwise race to create the first session.
    countVisit().then(showStatus).then(() => document.body.setAttribute('data-ready', 'true'));
  </script>
</body>
</html>
`;
