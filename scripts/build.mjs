// Builds the package: the ESM build in dist/ (the `import` condition) and the CommonJS build in
// dist/cjs/ (the `require` condition, for CommonJS apps and Jest as `nest new` sets it up).
// Both are complete builds: a CommonJS wrapper around the ESM build would need require(esm),
// which Jest's CommonJS runtime lacks, and an ESM wrapper around the CommonJS build would
// require() Nest 12 (ESM-only), which Jest's ESM mode cannot do on Node < 24.9.
//
// `npm pack` / `npm publish` run it fresh (prepack). `--unless-built` (prepare) builds only when
// dist/ is missing: an install from git gets its dist/ (npm runs prepare there, twice), while
// `npm pack`, whose prepare follows prepack, builds once.
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const BUILT_ENTRY_POINTS = ['dist/index.js', 'dist/cjs/index.js', 'dist/cjs/package.json'];
if (process.argv.includes('--unless-built') && BUILT_ENTRY_POINTS.every((file) => existsSync(file))) process.exit(0);

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
rmSync('dist', { recursive: true, force: true }); // no stale files may be packed
for (const project of ['tsconfig.build.json', 'tsconfig.build-cjs.json']) {
  execFileSync(process.execPath, [tsc, '-p', project], { stdio: 'inherit' });
}
// The root package.json says "type": "module"; this one makes dist/cjs/*.js CommonJS.
writeFileSync('dist/cjs/package.json', JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');
