#!/usr/bin/env bash
# The system programs the tests need, installed from Debian's packages when missing, so that
# `npm ci && npm test` works on a fresh machine (npm runs this as `pretest`) and CI too:
#   redis-server + redis-cli: the Redis store tests start their own servers (never skipped);
#   /usr/bin/chromium: the browser test drives Debian's Chromium through playwright-core,
#   which must not download a browser of its own.
# Prints nothing when everything is there; fails with a clear message when it cannot install.
set -euo pipefail

missing=()
command -v redis-server >/dev/null 2>&1 && command -v redis-cli >/dev/null 2>&1 || missing+=(redis-server)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0

echo "== installing ${missing[*]} (Debian packages) for the tests"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! the tests need ${missing[*]}: install them (Debian/Ubuntu: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo_prefix[@]}" apt-get update -y >/dev/null && "${sudo_prefix[@]}" apt-get install -y "${missing[@]}" >/dev/null; }; then
  echo "!! could not install ${missing[*]} with apt-get: the Redis and browser tests need them" >&2
  exit 1
fi
command -v redis-server >/dev/null 2>&1 || { echo "!! redis-server is still missing" >&2; exit 1; }
[ -x /usr/bin/chromium ] || { echo "!! /usr/bin/chromium is still missing" >&2; exit 1; }
