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

# Some @nestjs/* packages are versioned apart from Nest (see the ranges below).
mapfile -t nest_packages < <(node -e '
  const { devDependencies } = JSON.parse(require("fs").readFileSync("package.json", "utf8"));
  // Packages whose Nest 11 line is not ^11: @nestjs/graphql, @nestjs/apollo and @nestjs/mercurius
  // are at ^13 there; @nestjs/config has no 11.x (its 12.x supports Nest 11 as a peer), so it stays as installed.
  const nest11Ranges = { "@nestjs/graphql": "^13", "@nestjs/apollo": "^13", "@nestjs/mercurius": "^13", "@nestjs/config": null };
  for (const name of Object.keys(devDependencies)) {
    if (!name.startsWith("@nestjs/")) continue;
    const range = name in nest11Ranges ? nest11Ranges[name] : "^11";
    if (range) console.log(`${name}@${range}`);
  }
')
echo "== nest 11: npm install ${nest_packages[*]}"
# --prefer-offline: the main install has filled npm's cache with everything but the Nest 11 packages.
npm install --no-audit --no-fund --prefer-offline --save-dev "${nest_packages[@]}"
echo "== nest 11: installed @nestjs/core $(node -p 'require("@nestjs/core/package.json").version')"

echo "== nest 11: the library compiles against Nest 11's types"
npx tsc -p tsconfig.build.json --noEmit

echo "== nest 11: Nest-integration suites"
suites=()
for suite in test/nest test/sample test/browser; do
  [ -d "$suite" ] && suites+=("$suite")
done
node --experimental-vm-modules node_modules/jest/bin/jest.js "${suites[@]}"
