// Records in package-lock.json the optional, other-platform packages that the registry
// reachable here cannot serve (npm then leaves them out of the lockfile, and `npm ci`
// rejects the lockfile as out of sync everywhere). Each gets its platform (os/cpu/libc),
// read off its name, so npm skips it on every other machine without fetching it.
// Run after any `npm install` that rewrites the lockfile: node .ci/complete-lockfile.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const LOCKFILE = new URL('../package-lock.json', import.meta.url);
const lock = JSON.parse(readFileSync(LOCKFILE, 'utf8'));
const OS_NAMES = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32', 'wasm32'];
const CPU_NAMES = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 's390x', 'riscv64', 'wasm32'];

/** os, cpu and libc of a platform binary package, from names like `...-linux-arm-musleabihf`. */
function platformOf(packageName) {
  const parts = packageName.split('/').pop().split('-');
  const os = parts.find((part) => OS_NAMES.includes(part));
  const cpu = parts.find((part) => CPU_NAMES.includes(part));
  if (!os || !cpu) return undefined;
  const platform = { cpu: [cpu], os: [os] };
  if (os === 'linux') platform.libc = [parts.some((part) => part.startsWith('musl')) ? 'musl' : 'glibc'];
  return platform;
}

let added = 0;
for (const [path, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nestedPath = `${path}/node_modules/${name}`;
    if (lock.packages[`node_modules/${name}`] || lock.packages[nestedPath]) continue;
    const platform = platformOf(name);
    if (!platform) continue;
    lock.packages[`node_modules/${name}`] = { version, ...platform, dev: entry.dev, optional: true };
    added++;
  }
}
lock.packages = Object.fromEntries(Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))));
writeFileSync(LOCKFILE, JSON.stringify(lock, null, 2) + '\n');
console.log(`complete-lockfile: recorded ${added} optional platform package(s)`);
