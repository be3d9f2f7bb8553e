#!/usr/bin/env bash
# The programs `npm run bench` needs beyond Node, installed from Debian's packages when missing
# (.ci/install-missing.sh, as for the tests): wrk for `--load wrk`, valgrind for `--profile`.
# Usage: bash bench/system-deps.sh wrk [valgrind]. Prints nothing when everything is there.
set -euo pipefail
pairs=()
for program in "$@"; do pairs+=("$program:$program"); done
exec bash "$(dirname "$0")/../.ci/install-missing.sh" "the benchmark" "${pairs[@]}"
