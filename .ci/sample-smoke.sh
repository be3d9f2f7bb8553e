#!/usr/bin/env bash
# The README's front door: `npm run sample` starts the sample on the embedded MemoryStore and
# answers. Starts it on a spare port, walks visits → login → /me, and stops it; on the platform
# PLATFORM names (express or fastify; both when unset, as CI runs it).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${PLATFORM:-}" ]; then
  PLATFORM=express bash "$0"
  PLATFORM=fastify bash "$0"
  exit 0
fi

port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
log=$(mktemp)
PORT=$port PLATFORM=$PLATFORM setsid npm run sample >"$log" 2>&1 &
sample_group=$!
trap 'kill -- -"$sample_group" 2>/dev/null || true; rm -f "$log"' EXIT

if ! PORT=$port PLATFORM=$PLATFORM node --input-type=module -e '
  const base = `http://127.0.0.1:${process.env.PORT}`;
  const deadline = Date.now() + 60_000;
  let visits;
  while (!visits) {
    try { visits = await fetch(`${base}/visits`); } catch { if (Date.now() > deadline) throw new Error("the sample did not start"); await new Promise((r) => setTimeout(r, 300)); }
  }
  const cookie = visits.headers.get("set-cookie").split(";")[0];
  // The sample runs with csrf: true: a client outside a browser sends the token of its session.
  const { csrfToken } = await (await fetch(`${base}/csrf-token`, { headers: { cookie } })).json();
  const login = await fetch(`${base}/login`, { method: "POST", headers: { cookie, "content-type": "application/json", "x-csrf-token": csrfToken }, body: JSON.stringify({ username: "ci" }) });
  const signedIn = login.headers.get("set-cookie").split(";")[0];
  const me = await (await fetch(`${base}/me`, { headers: { cookie: signedIn } })).json();
  if (me.userId !== "ci") throw new Error(`GET /me answered ${JSON.stringify(me)}`);
  console.log(`== sample on ${process.env.PLATFORM}: answers on ${base} (visits, login, /me)`);
'; then
  echo "!! npm run sample did not work; its output:" >&2
  cat "$log" >&2
  exit 1
fi
grep -q "listening on http://.*($PLATFORM)" "$log" || { echo "!! the sample did not print its URL" >&2; cat "$log" >&2; exit 1; }
