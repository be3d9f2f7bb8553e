#!/usr/bin/env bash
# Measures one prototype of OPTIMISATIONS.md: compiles this checkout's bench/ and lib/, copies
# the output to a folder under /tmp, applies <name>.diff (made against the compiled lib/ of the
# branch that wrote OPTIMISATIONS.md; later lib/ changes may make it not apply) and profiles
# mode 4 with it. Compare with the same command for `base` (no diff) run under the same load.
# Usage: bash bench/prototypes/measure.sh <name>|base [more `npm run bench -- --profile` flags]
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
name=${1:?usage: measure.sh <prototype name>|base [profile flags]}
shift
dir=$(mktemp -d "/tmp/nest-sessions-prototype-$name.XXXXXX")
(cd "$repo" && npx tsc -p bench/tsconfig.json)
cp -r "$repo/bench/.tmp/bench" "$repo/bench/.tmp/lib" "$repo/package.json" "$dir/"
ln -s "$repo/node_modules" "$dir/node_modules"
[ "$name" = base ] || patch -s -p1 -d "$dir" < "$repo/bench/prototypes/$name.diff"
cd "$repo"
node bench/.tmp/bench/run.js --profile --modes nest-sessions-memory --app "$dir/bench/app.js" --out "$dir/profile" "$@"
