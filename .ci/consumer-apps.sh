#!/usr/bin/env bash
# Installs the packed library (npm pack) into throw-away apps generated under a temporary folder,
# laid out as `nest new` generates them, and checks that each one type-checks, builds, starts
# with `node dist/main.js`, passes login → me → logout over HTTP, and passes its own e2e test
# run with the template's unchanged test configuration. The CommonJS apps import their own files
# as the README shows (no extension), run a global ValidationPipe({ validateCustomDecorators:
# true }), and are built twice more, each build then started and walked through the same flow:
# with `nest build --webpack` (webpack + ts-loader, as Nest's CLI configures them) and with
# `nest build -b swc` (the SWC builder, @swc/cli + @swc/core), as Nest's docs have apps do.
#   nest11-nodenext  Nest 11, today's `nest new` 11 template: CommonJS through `module: nodenext`
#                    (no "type": "module"), Jest + ts-jest from the package.json / test/jest-e2e.json
#   nest11-commonjs  Nest 11, the first 11 template: `module: commonjs` (node10 resolution), Jest 29
#   nest12-esm       Nest 12, the default `nest new` 12 template: "type": "module", Vitest
# The files come from @nestjs/schematics' application templates (11.1 / 11.0 / 12.0), written out
# here; dependencies are trimmed to what building and testing need (no linters, prettier): apps
# are built with `tsc -p tsconfig.build.json`, which is what `nest build` runs for them, and the
# CommonJS apps also carry @nestjs/cli, ts-loader, @swc/cli and @swc/core for the other builders.
# Each app also compiles a RedisStore on its own ioredis (5 in nest11-commonjs, as BullMQ apps
# have, 6 elsewhere), and nest12-esm is type-checked once more with bundler resolution.
# A failure names the app and the step. Usage: bash .ci/consumer-apps.sh [app...]
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

apps=("$@")
[ ${#apps[@]} -gt 0 ] || apps=(nest11-nodenext nest11-commonjs nest12-esm)

work="$(mktemp -d "${TMPDIR:-/tmp}/consumer-apps.XXXXXX")"
app_pid=""
current_app="(setup)"
current_step="pack"
cleanup() {
  [ -n "$app_pid" ] && kill "$app_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'echo "!! consumer app $current_app failed at step: $current_step" >&2' ERR

step() {
  current_step=$1
  echo "== consumer $current_app: $current_step"
}

# Runs a command quietly; prints its output only when it fails.
quietly() {
  local log="$work/$current_app.log"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    return 1
  fi
}

# The tarball is packed as a publish would pack it: from a fresh clone of the committed HEAD, with
# its own `npm ci` and no build beforehand (prepack builds; uncommitted changes are left out).
echo "== consumer apps: npm pack in a fresh clone of HEAD ($(git rev-parse --short HEAD))"
[ -z "$(git status --porcelain)" ] || echo "   (uncommitted changes are not in the package)"
current_step="clone HEAD, npm ci, npm pack"
pack_started=$SECONDS
clone="$work/clone"
git init --quiet "$clone"
git -C "$clone" fetch --quiet --depth 1 "file://$repo" HEAD
git -C "$clone" checkout --quiet --detach FETCH_HEAD
(
  cd "$clone"
  # As .ci/run: npm ci, or npm install over the same lockfile when npm ci refuses it.
  quietly npm ci --prefer-offline --no-audit --no-fund || quietly npm install --prefer-offline --no-audit --no-fund
)
echo "   npm ci in the clone took $((SECONDS - pack_started)) s"
tarball="$work/$(cd "$clone" && npm pack --silent --pack-destination "$work" | tail -1)"
packed_files=$(tar -tzf "$tarball")
grep -qx 'package/dist/cjs/index.js' <<<"$packed_files" || { echo "!! the packed tarball has no dist/cjs/index.js" >&2; exit 1; }
rm -rf "$clone"
echo "   packed $(basename "$tarball") in $((SECONDS - pack_started)) s"

# ---------------------------------------------------------------- sources shared by the apps

# $1: app dir, $2: relative import suffix ('' for CommonJS templates, '.js' for ESM).
write_sources() {
  local dir=$1 ext=$2
  mkdir -p "$dir/src" "$dir/test"
  cat >"$dir/src/app.module.ts" <<EOF
import { Module } from '@nestjs/common';
import { SessionModule } from 'nest-sessions';
import { AccountController } from './account.controller${ext}';

@Module({
  imports: [
    SessionModule.forRoot({
      secret: process.env.SESSION_SECRET ?? 'consumer-app-secret, at least 32 characters long',
      cookie: { maxAge: 24 * 60 * 60 * 1000, sameSite: 'lax' },
    }),
  ],
  controllers: [AccountController],
})
export class AppModule {}
EOF
  cat >"$dir/src/account.controller.ts" <<'EOF'
import { Body, Controller, Get, Post, UseGuards } from '@nestjs/common';
import { Session, SessionGuard } from 'nest-sessions';

declare module 'nest-sessions' {
  interface SessionData {
    userId: string;
  }
}

@Controller()
export class AccountController {
  @Post('login')
  async login(@Session() session: Session, @Body('username') username: string) {
    const signedIn = await session.regenerate();
    signedIn.userId = username;
    return { ok: true };
  }

  @Get('me')
  @UseGuards(SessionGuard)
  me(@Session('userId') userId: string) {
    return { userId };
  }

  @Post('logout')
  async logout(@Session() session: Session) {
    await session.destroy();
    return { ok: true };
  }
}
EOF
  # Compiled, never started: the app's own ioredis clients fit RedisStore's `client`.
  cat >"$dir/src/redis-stores.ts" <<'EOF'
import { Cluster, Redis } from 'ioredis';
import { RedisStore } from 'nest-sessions/redis';

export function redisStores(url: string): RedisStore[] {
  const single = new Redis(url, { ...RedisStore.failFastClientOptions, lazyConnect: true });
  const cluster = new Cluster([{ host: '127.0.0.1', port: 7000 }], {
    redisOptions: RedisStore.failFastClientOptions,
    lazyConnect: true,
  });
  return [new RedisStore({ client: single }), new RedisStore({ client: cluster, prefix: 'app:' })];
}
EOF
}

# The e2e test: $1 app dir, $2 supertest import line, $3 supertest types module, $4 import suffix.
write_e2e_test() {
  local dir=$1 supertest_import=$2 types_module=$3 ext=$4
  cat >"$dir/test/app.e2e-spec.ts" <<EOF
import { Test, TestingModule } from '@nestjs/testing';
import { INestApplication } from '@nestjs/common';
${supertest_import}
import { App } from '${types_module}';
import { AppModule } from './../src/app.module${ext}';

describe('Sessions (e2e)', () => {
  let app: INestApplication<App>;

  beforeEach(async () => {
    const moduleFixture: TestingModule = await Test.createTestingModule({
      imports: [AppModule],
    }).compile();

    app = moduleFixture.createNestApplication();
    await app.init();
  });

  it('signs in, reads the session and signs out', async () => {
    const agent = request.agent(app.getHttpServer());
    await agent.get('/me').expect(401);
    await agent.post('/login').send({ username: 'ada' }).expect(201);
    await agent.get('/me').expect(200).expect({ userId: 'ada' });
    await agent.post('/logout').expect(201);
    await agent.get('/me').expect(401);
  });

  afterEach(async () => {
    await app.close();
  });
});
EOF
}

# ---------------------------------------------------------------- the Nest 11 templates

# $1: app dir, $2: 'nodenext' (schematics 11.1) or 'commonjs' (schematics 11.0).
write_nest11_app() {
  local dir=$1 template=$2 jest_version types_jest ioredis_version
  if [ "$template" = nodenext ]; then
    jest_version='^30.0.0' types_jest='^30.0.0' ioredis_version='^6.0.0'
  else
    jest_version='^29.7.0' types_jest='^29.5.14' ioredis_version='^5.0.0'
  fi
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "consumer-$template",
  "version": "0.0.1",
  "private": true,
  "license": "UNLICENSED",
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "start:prod": "node dist/main",
    "test": "jest",
    "test:e2e": "jest --config ./test/jest-e2e.json"
  },
  "dependencies": {
    "@nestjs/common": "^11.0.1",
    "@nestjs/core": "^11.0.1",
    "@nestjs/platform-express": "^11.0.1",
    "class-transformer": "^0.5.1",
    "class-validator": "^0.14.1",
    "ioredis": "$ioredis_version",
    "nest-sessions": "file:$tarball",
    "reflect-metadata": "^0.2.2",
    "rxjs": "^7.8.1"
  },
  "devDependencies": {
    "@nestjs/cli": "^11.0.0",
    "@nestjs/testing": "^11.0.1",
    "@swc/cli": "^0.6.0",
    "@swc/core": "^1.10.7",
    "@types/express": "^5.0.0",
    "@types/jest": "$types_jest",
    "@types/node": "^22.10.7",
    "@types/supertest": "^6.0.2",
    "jest": "$jest_version",
    "supertest": "^7.0.0",
    "ts-jest": "^29.2.5",
    "ts-loader": "^9.5.2",
    "typescript": "^5.7.3"
  },
  "jest": {
    "moduleFileExtensions": [
      "js",
      "json",
      "ts"
    ],
    "rootDir": "src",
    "testRegex": ".*\\\\.spec\\\\.ts$",
    "transform": {
      "^.+\\\\.(t|j)s$": "ts-jest"
    },
    "collectCoverageFrom": [
      "**/*.(t|j)s"
    ],
    "coverageDirectory": "../coverage",
    "testEnvironment": "node"
  }
}
EOF
  if [ "$template" = nodenext ]; then
    cat >"$dir/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "resolvePackageJsonExports": true,
    "esModuleInterop": true,
    "isolatedModules": true,
    "declaration": true,
    "removeComments": true,
    "emitDecoratorMetadata": true,
    "experimentalDecorators": true,
    "allowSyntheticDefaultImports": true,
    "target": "ES2023",
    "sourceMap": true,
    "outDir": "./dist",
    "baseUrl": "./",
    "incremental": true,
    "skipLibCheck": true,
    "strictNullChecks": true,
    "forceConsistentCasingInFileNames": true,
    "noImplicitAny": false,
    "strictBindCallApply": false,
    "noFallthroughCasesInSwitch": false
  }
}
EOF
  else
    cat >"$dir/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "commonjs",
    "declaration": true,
    "removeComments": true,
    "emitDecoratorMetadata": true,
    "experimentalDecorators": true,
    "allowSyntheticDefaultImports": true,
    "target": "ES2021",
    "sourceMap": true,
    "outDir": "./dist",
    "baseUrl": "./",
    "incremental": true,
    "skipLibCheck": true,
    "strictNullChecks": true,
    "forceConsistentCasingInFileNames": true,
    "noImplicitAny": false,
    "strictBindCallApply": false,
    "noFallthroughCasesInSwitch": false
  }
}
EOF
  fi
  cat >"$dir/tsconfig.build.json" <<'EOF'
{
  "extends": "./tsconfig.json",
  "exclude": ["node_modules", "test", "dist", "**/*spec.ts"]
}
EOF
  cat >"$dir/nest-cli.json" <<'EOF'
{
  "$schema": "https://json.schemastore.org/nest-cli",
  "collection": "@nestjs/schematics",
  "sourceRoot": "src",
  "compilerOptions": {
    "deleteOutDir": true
  }
}
EOF
  write_sources "$dir" ''
  # A global ValidationPipe that validates custom decorators, as many apps have: built by SWC or
  # webpack it sees `Session` (the decorator) as the type of `@Session() session: Session`.
  cat >"$dir/src/main.ts" <<'EOF'
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  app.useGlobalPipes(new ValidationPipe({ validateCustomDecorators: true }));
  await app.listen(process.env.PORT ?? 3000);
}
bootstrap();
EOF
  cat >"$dir/test/jest-e2e.json" <<'EOF'
{
  "moduleFileExtensions": ["js", "json", "ts"],
  "rootDir": ".",
  "testEnvironment": "node",
  "testRegex": ".e2e-spec.ts$",
  "transform": {
    "^.+\\.(t|j)s$": "ts-jest"
  }
}
EOF
  if [ "$template" = nodenext ]; then
    write_e2e_test "$dir" "import request from 'supertest';" 'supertest/types' ''
  else
    write_e2e_test "$dir" "import * as request from 'supertest';" 'supertest/types' ''
  fi
}

# ---------------------------------------------------------------- the Nest 12 ESM template

write_nest12_esm_app() {
  local dir=$1
  mkdir -p "$dir"
  cat >"$dir/package.json" <<EOF
{
  "name": "consumer-esm",
  "version": "0.0.1",
  "private": true,
  "license": "UNLICENSED",
  "type": "module",
  "scripts": {
    "build": "tsc -p tsconfig.build.json",
    "start:prod": "node dist/main",
    "test": "vitest run",
    "test:e2e": "vitest run --config ./vitest.config.e2e.ts"
  },
  "dependencies": {
    "@nestjs/common": "^12.0.1",
    "@nestjs/core": "^12.0.1",
    "@nestjs/platform-express": "^12.0.1",
    "ioredis": "^6.0.0",
    "nest-sessions": "file:$tarball",
    "reflect-metadata": "^0.2.2",
    "rxjs": "^7.8.1"
  },
  "devDependencies": {
    "@nestjs/testing": "^12.0.1",
    "@types/express": "^5.0.0",
    "@types/jest": "^30.0.0",
    "@types/node": "^24.0.0",
    "@types/supertest": "^7.0.0",
    "jest": "^30.0.0",
    "supertest": "^7.0.0",
    "ts-jest": "^29.4.0",
    "typescript": "^6.0.2",
    "vite-tsconfig-paths": "^5.1.4",
    "vitest": "^4.1.2"
  }
}
EOF
  cat >"$dir/tsconfig.json" <<'EOF'
{
  "compilerOptions": {
    "module": "nodenext",
    "moduleResolution": "nodenext",
    "resolvePackageJsonExports": true,
    "esModuleInterop": true,
    "isolatedModules": true,
    "declaration": true,
    "removeComments": true,
    "emitDecoratorMetadata": true,
    "experimentalDecorators": true,
    "allowSyntheticDefaultImports": true,
    "target": "ES2023",
    "sourceMap": true,
    "outDir": "./dist",
    "rootDir": ".",
    "incremental": true,
    "skipLibCheck": true,
    "strict": true,
    "strictPropertyInitialization": false,
    "types": ["vitest/globals", "node"]
  }
}
EOF
  cat >"$dir/tsconfig.build.json" <<'EOF'
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "rootDir": "./src"
  },
  "include": ["src"],
  "exclude": ["node_modules", "test", "dist", "**/*spec.ts"]
}
EOF
  # Ours, not the template's: the same sources under bundler resolution (what bundled apps use).
  cat >"$dir/tsconfig.bundler.json" <<'EOF'
{
  "extends": "./tsconfig.json",
  "compilerOptions": {
    "module": "preserve",
    "moduleResolution": "bundler",
    "noEmit": true,
    "incremental": false
  }
}
EOF
  cat >"$dir/nest-cli.json" <<'EOF'
{
  "$schema": "https://json.schemastore.org/nest-cli",
  "collection": "@nestjs/schematics",
  "sourceRoot": "src",
  "compilerOptions": {
    "deleteOutDir": true
  }
}
EOF
  for config in vitest.config.ts vitest.config.e2e.ts; do
    local include='**/*.spec.ts'
    [ "$config" = vitest.config.e2e.ts ] && include='**/*.e2e-spec.ts'
    cat >"$dir/$config" <<EOF
import { defineConfig } from 'vitest/config';
import tsconfigPaths from 'vite-tsconfig-paths';

export default defineConfig({
  plugins: [tsconfigPaths()],
  test: {
    globals: true,
    root: './',
    include: ['${include}'],
  },
});
EOF
  done
  write_sources "$dir" '.js'
  cat >"$dir/src/main.ts" <<'EOF'
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module.js';

async function bootstrap() {
  const app = await NestFactory.create(AppModule);
  await app.listen(process.env.PORT ?? 3000);
}
await bootstrap();
EOF
  write_e2e_test "$dir" "import request from 'supertest';" 'supertest/types.js' '.js'
  # Ours, not the template's: the same e2e test under Jest's ESM mode, as ESM apps that keep
  # Jest run it (this repository's own setup).
  cat >"$dir/jest.esm.config.mjs" <<'EOF'
export default {
  testEnvironment: 'node',
  testRegex: '.e2e-spec.ts$',
  extensionsToTreatAsEsm: ['.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { useESM: true }] },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
};
EOF
}

# ---------------------------------------------------------------- the checks

free_port() {
  node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

# Fails unless the test run just logged reports passed tests and no failed one.
# Jest: "Tests:       1 passed, 1 total"; Vitest: "      Tests  1 passed (1)".
expect_passed_tests() {
  local app=$1 summary
  summary=$(sed 's/\x1b\[[0-9;]*m//g' "$work/$app.log" | grep -E '^ *Tests:? ' || true)
  echo "   ${summary//$'\n'/ | }"
  if ! grep -qE 'Tests:? +[0-9]+ passed' <<<"$summary" || grep -q 'failed' <<<"$summary"; then
    cat "$work/$app.log" >&2
    echo "!! consumer app $app failed at step: $current_step (no passed test reported)" >&2
    exit 1
  fi
}

# Starts the app as built (node dist/main.js) and walks it through login → me → logout; $2 names the build.
start_and_walk_through() {
  local app=$1 build=$2 port
  step "node dist/main.js ($build): login → me → logout over HTTP"
  port=$(free_port)
  PORT=$port node dist/main.js >"$work/$app.server.log" 2>&1 &
  app_pid=$!
  if ! node "$repo/.ci/consumer-flow.mjs" "http://127.0.0.1:$port"; then
    echo "!! the app's output:" >&2
    cat "$work/$app.server.log" >&2
    return 1
  fi
  kill "$app_pid"
  wait "$app_pid" 2>/dev/null || true
  app_pid=""
}

check_app() {
  local app=$1 dir="$work/$1"
  current_app=$app
  local started=$SECONDS
  step "generate the app"
  case "$app" in
    nest11-nodenext) write_nest11_app "$dir" nodenext ;;
    nest11-commonjs) write_nest11_app "$dir" commonjs ;;
    nest12-esm) write_nest12_esm_app "$dir" ;;
    *) echo "!! unknown consumer app $app" >&2; return 1 ;;
  esac
  cd "$dir"
  step "npm install (the packed nest-sessions)"
  quietly npm install --prefer-offline --no-audit --no-fund --loglevel=error
  step "type-check (tsc -p tsconfig.json --noEmit)"
  quietly npx tsc -p tsconfig.json --noEmit
  if [ -f tsconfig.bundler.json ]; then
    step "type-check with bundler resolution"
    quietly npx tsc -p tsconfig.bundler.json
  fi
  step "build (tsc -p tsconfig.build.json)"
  quietly npx tsc -p tsconfig.build.json
  start_and_walk_through "$app" tsc
  if [ -x node_modules/.bin/nest ]; then
    step "build with webpack (nest build --webpack)"
    quietly npx nest build --webpack
    start_and_walk_through "$app" webpack
    step "build with SWC (nest build -b swc)"
    quietly npx nest build -b swc
    start_and_walk_through "$app" swc
  fi
  step "its own e2e test (npm run test:e2e, the template's test config)"
  quietly npm run test:e2e
  expect_passed_tests "$app"
  if [ -f jest.esm.config.mjs ]; then
    step "the e2e test under Jest's ESM mode"
    quietly node --experimental-vm-modules node_modules/jest/bin/jest.js --config jest.esm.config.mjs
    expect_passed_tests "$app"
  fi
  cd "$repo"
  echo "== consumer $app: passed in $((SECONDS - started)) s"
}

for app in "${apps[@]}"; do
  check_app "$app"
done
echo "== consumer apps passed: ${apps[*]}"
