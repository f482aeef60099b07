// The npm registry reachable from our machines omits some platform builds of optional
// dependencies (e.g. unrs-resolver's Android/Windows bindings, used by jest). npm then writes
// a lock file without them, and `npm ci` rejects it as out of sync. This adds a stub entry
// (version, os, cpu, optional) for each such package, which npm ci skips on our platform.
// Run after `npm install` changes the lock: node scripts/lock-add-missing-optionals.mjs
import { readFileSync, writeFileSync } from 'node:fs';

const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const pkgs = lock.packages;
let added = 0;
const platform = (name) => {
  const os = ['android', 'darwin', 'freebsd', 'linux', 'openharmony', 'win32'].find((o) => name.includes(`-${o}-`));
  const cpu = ['arm64', 'arm', 'x64', 'ia32', 'loong64', 'ppc64', 'riscv64', 's390x'].find((c) =>
    name.includes(`-${c}`),
  );
  return { ...(os ? { os: [os] } : {}), ...(cpu ? { cpu: [cpu] } : {}) };
};
for (const [path, entry] of Object.entries(pkgs)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const base = path === '' ? '' : `${path}/`;
    if (pkgs[`${base}node_modules/${name}`] || pkgs[`node_modules/${name}`]) continue;
    pkgs[`node_modules/${name}`] = { version, ...(entry.dev ? { dev: true } : {}), optional: true, ...platform(name) };
    added++;
  }
}
lock.packages = Object.fromEntries(
  Object.entries(pkgs).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a < b ? -1 : a > b ? 1 : 0)),
);
writeFileSync('package-lock.json', JSON.stringify(lock, null, 2) + '\n');
console.log(`added ${added} optional package stub(s)`);
