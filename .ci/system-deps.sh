#!/usr/bin/env bash
# The system programs the tests need, installed from Debian's packages when missing, so that
# `npm ci && npm test` works on a fresh machine (npm runs this as `pretest`) and CI too:
#   redis-server + redis-cli: the Redis store tests start their own servers (never skipped);
#   /usr/bin/chromium: the browser test drives Debian's Chromium through playwright-core,
#   which must not download a browser of its own;
#   PostgreSQL and MariaDB servers: the SQL stores' tests use the shared ones (.ci/run starts
#   them) and start their own (initdb, mariadb-install-db) to stop under requests.
set -euo pipefail
exec bash "$(dirname "$0")/install-missing.sh" "the tests" \
  redis-server:redis-server redis-cli:redis-server /usr/bin/chromium:chromium \
  pg_ctlcluster:postgresql /usr/sbin/mariadbd:mariadb-server mariadb-install-db:mariadb-server
