#!/usr/bin/env bash
# The peer range claims Nest 11 as well as 12: run the Nest-integration suites against Nest 11.
# Works in a scratch copy of the repository (the working tree keeps Nest 12), where every
# @nestjs/* dev dependency is installed at ^11 over the same lockfile.
set -euo pipefail
cd "$(dirname "$0")/.."

scratch="$(mktemp -d "${TMPDIR:-/tmp}/nest11.XXXXXX")"
trap 'rm -rf "$scratch"' EXIT
tar --exclude=./node_modules --exclude=./.git --exclude=./build --exclude=./dist --exclude=./test-output -cf - . \
  | tar -xf - -C "$scratch"
cd "$scratch"

# @nestjs/config does not follow Nest's majors: its 12.x declares Nest 11 and 12 as peers.
mapfile -t nest_packages < <(node -e '
  const { devDependencies } = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
  const keepVersion = new Set(["@nestjs/config"]);
  for (const name of Object.keys(devDependencies)) if (name.startsWith("@nestjs/") && !keepVersion.has(name)) console.log(`${name}@^11`);
')
echo "== nest 11: npm install ${nest_packages[*]}"
# --prefer-offline: the main install has filled npm's cache with everything but the Nest 11 packages.
npm install --no-audit --no-fund --prefer-offline --save-dev "${nest_packages[@]}"
echo "== nest 11: installed @nestjs/core $(node -p 'require("@nestjs/core/package.json").version')"

echo "== nest 11: the library compiles against Nest 11's types"
npx tsc -p tsconfig.build.json --noEmit

echo "== nest 11: Nest-integration suites"
suites=()
for suite in test/e2e test/websocket test/passport test/sample test/browser; do
  [ -d "$suite" ] && suites+=("$suite")
done
node --experimental-vm-modules node_modules/jest/bin/jest.js --runInBand "${suites[@]}"
