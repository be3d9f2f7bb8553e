#!/usr/bin/env bash
# Installs the programs a task needs from Debian's packages when they are missing, so that a
# fresh machine needs nothing by hand. Prints nothing when everything is there; fails with a
# clear message when it cannot install.
# Usage: bash .ci/install-missing.sh "<who needs them>" program:package [program:package ...]
#   (a program is a command name or an absolute path: redis-cli:redis-server /usr/bin/chromium:chromium)
set -euo pipefail

purpose=$1
shift
is_present() {
  if [[ $1 == /* ]]; then [ -x "$1" ]; else command -v "$1" >/dev/null 2>&1; fi
}

missing_packages=()
for pair in "$@"; do
  program=${pair%%:*}
  package=${pair#*:}
  if ! is_present "$program" && [[ " ${missing_packages[*]} " != *" $package "* ]]; then
    missing_packages+=("$package")
  fi
done
[ ${#missing_packages[@]} -eq 0 ] && exit 0

echo "== installing ${missing_packages[*]} (Debian packages) for $purpose"
if ! command -v apt-get >/dev/null 2>&1; then
  echo "!! $purpose need ${missing_packages[*]}: install them (Debian/Ubuntu: apt-get install -y ${missing_packages[*]})" >&2
  exit 1
fi
sudo_prefix=()
[ "$(id -u)" -eq 0 ] || sudo_prefix=(sudo)
export DEBIAN_FRONTEND=noninteractive
if ! { "${sudo_prefix[@]}" apt-get update -y >/dev/null && "${sudo_prefix[@]}" apt-get install -y "${missing_packages[@]}" >/dev/null; }; then
  echo "!! could not install ${missing_packages[*]} with apt-get: $purpose need them" >&2
  exit 1
fi
for pair in "$@"; do
  program=${pair%%:*}
  is_present "$program" || { echo "!! $program is still missing" >&2; exit 1; }
done
