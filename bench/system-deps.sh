#!/usr/bin/env bash
# The programs `npm run bench` needs beyond Node, installed from Debian's packages when missing
# (as .ci/system-deps.sh does for the tests): wrk for `--load wrk`, valgrind for `--profile`.
# Usage: bash bench/system-deps.sh wrk [valgrind]. Prints nothing when everything is there.
set -euo pipefail

missing=()
for program in "$@"; do
  command -v "$program" >/dev/null 2>&1 || missing+=("$program")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "== installing ${missing[*]} (Debian packages) for the benchmark"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! the benchmark needs ${missing[*]}: install them (Debian/Ubuntu: apt-get install -y ${missing[*]})" >&2
  exit 1
fi
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo_prefix[@]}" apt-get update -y >/dev/null && "${sudo_prefix[@]}" apt-get install -y "${missing[@]}" >/dev/null; }; then
  echo "!! could not install ${missing[*]} with apt-get" >&2
  exit 1
fi
for program in "${missing[@]}"; do
  command -v "$program" >/dev/null 2>&1 || { echo "!! $program is still missing" >&2; exit 1; }
done
