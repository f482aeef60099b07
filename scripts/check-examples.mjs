// The README's examples, as an outside user gets them: packs every workspace package, installs
// the tarballs into a fresh project outside the workspace (examples/ copied there), compiles it
// with strict TypeScript, runs the embedding and route-set examples, and runs the storage
// conformance kit against the example adapter with its one documented command.
// Usage: npm run check:examples [-- --no-build] [-- --keep] [-- --update-counts]
// Stale conformance counts in the kit's README fail the check when CI is set; else they are rewritten.
// Needs only the npm registry (for third-party dependencies). Exits non-zero on any failure.
import { spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = new Set(process.argv.slice(2));
const started = Date.now();
const work = mkdtempSync(join(process.env.TMPDIR || tmpdir(), 'pipewright-examples-'));
const tarballs = join(work, 'tarballs');
const project = join(work, 'project');
// Children run on this Node (24), whatever `node` is first on PATH.
const env = {
  ...process.env,
  PATH: `${dirname(process.execPath)}${delimiter}${process.env.PATH}`,
  npm_config_update_notifier: 'false',
};

function step(title, command, commandArgs, cwd, options = {}) {
  const t = Date.now();
  console.log(`\n== ${title}: ${command} ${commandArgs.join(' ')}`);
  const r = spawnSync(command, commandArgs, {
    cwd,
    env,
    stdio: options.capture ? ['ignore', 'pipe', 'inherit'] : 'inherit',
    encoding: 'utf8',
    maxBuffer: 64 << 20,
  });
  if (options.capture && r.stdout) process.stdout.write(options.quiet ? '' : r.stdout);
  if (r.status !== 0) fail(`${title} failed (exit ${r.status ?? r.signal})`);
  console.log(`== ${title}: ok in ${((Date.now() - t) / 1000).toFixed(1)} s`);
  return r.stdout ?? '';
}

function fail(message) {
  console.error(`\ncheck-examples: ${message} (files kept in ${work})`);
  process.exit(1);
}

/** Runs commands in the project at once; prints each one's output when it ends; fails on any failure. */
async function parallel(commands) {
  const t = Date.now();
  const results = await Promise.all(
    commands.map(
      ([title, command, commandArgs]) =>
        new Promise((done) => {
          const child = spawn(command, commandArgs, { cwd: project, env, stdio: ['ignore', 'pipe', 'pipe'] });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (d) => (stdout += d));
          child.stderr.on('data', (d) => (stderr += d));
          child.on('close', (status) =>
            done({
              title,
              command: `${command} ${commandArgs.join(' ')}`,
              status,
              stdout,
              stderr,
              seconds: (Date.now() - t) / 1000,
            }),
          );
        }),
    ),
  );
  for (const r of results) {
    console.log(`\n== ${r.title}: ${r.command}`);
    process.stdout.write(r.stdout + r.stderr);
    if (r.status !== 0) fail(`${r.title} failed (exit ${r.status})`);
    console.log(`== ${r.title}: ok in ${r.seconds.toFixed(1)} s`);
  }
  return results;
}

// 0. README snippets marked `<!-- mirrors examples/… -->` are excerpts of that file: every line
// of the snippet appears in it, in the same order (so the code CI runs is the code the docs show).
for (const doc of docsWithSnippets()) {
  const text = readFileSync(join(repo, doc), 'utf8');
  for (const m of text.matchAll(/<!-- mirrors (examples\/[^ ]+) -->\n```[a-z]*\n([\s\S]*?)```/g)) {
    const source = readFileSync(join(repo, m[1]), 'utf8')
      .split('\n')
      .map((l) => l.trimEnd());
    let at = 0;
    for (const line of m[2]
      .split('\n')
      .map((l) => l.trimEnd())
      .filter((l) => l !== '')) {
      const found = source.indexOf(line, at);
      if (found < 0) fail(`${doc}: a snippet marked as mirroring ${m[1]} has a line not in it (in order): ${line}`);
      at = found + 1;
    }
  }
}
console.log('== README snippets: every mirrored snippet matches its example file');

function docsWithSnippets() {
  const docs = ['README.md', 'apps/server/README.md'];
  for (const dir of readdirSync(join(repo, 'packages'))) docs.push(`packages/${dir}/README.md`);
  return docs.filter((d) => existsSync(join(repo, d)));
}

// 1. Build and pack every workspace package.
if (!args.has('--no-build')) step('build', 'npm', ['run', 'build', '--silent'], repo);
pruneStaleOutputs();
mkdirSync(tarballs);
const packed = JSON.parse(
  step('pack', 'npm', ['pack', '--workspaces', '--json', '--pack-destination', tarballs], repo, {
    capture: true,
    quiet: true,
  }),
);
for (const pkg of packed) {
  const files = new Set(pkg.files.map((f) => f.path));
  const problems = [];
  if ([...files].some((f) => f.endsWith('.tsbuildinfo'))) problems.push('ships .tsbuildinfo');
  for (const required of ['README.md', 'LICENSE', 'package.json'])
    if (!files.has(required)) problems.push(`has no ${required}`);
  const { bin = {} } = JSON.parse(readFileSync(join(repo, pkgDir(pkg.name), 'package.json'), 'utf8'));
  for (const target of Object.values(typeof bin === 'string' ? { bin } : bin))
    if (!files.has(join(target))) problems.push(`bin ${target} is not in the package`);
  // Every source map must point at sources inside the tarball.
  for (const map of [...files].filter((f) => f.endsWith('.map'))) {
    const { sources } = JSON.parse(readFileSync(join(repo, pkgDir(pkg.name), map), 'utf8'));
    for (const source of sources)
      if (!files.has(join(dirname(map), source))) problems.push(`${map} points at ${source}, not in the package`);
  }
  if (problems.length) fail(`${pkg.name}: ${problems.slice(0, 5).join('; ')}`);
  console.log(`   ${pkg.filename}: ${pkg.entryCount} files, ${(pkg.size / 1024).toFixed(0)} kB`);
}

/** Each bare import of our .d.ts files must resolve to types, from a package in the importer's dependency closure. */
function checkDeclarationImports() {
  const t = Date.now();
  const require = createRequire(join(project, 'package.json'));
  const ts = require('typescript');
  const options = { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext };
  const manifestOf = (dir) => JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  const closure = (names, seen = new Set()) => {
    for (const name of names) {
      if (seen.has(name)) continue;
      seen.add(name);
      const dir = join(project, 'node_modules', name);
      if (existsSync(join(dir, 'package.json'))) closure(Object.keys(manifestOf(dir).dependencies ?? {}), seen);
    }
    return seen;
  };
  const problems = [];
  let checked = 0;
  for (const pkg of packed) {
    const dir = join(project, 'node_modules', pkg.name);
    const own = manifestOf(dir);
    const reachable = closure([...Object.keys(own.dependencies ?? {}), ...Object.keys(own.peerDependencies ?? {})]);
    for (const file of readdirSync(join(dir, 'dist'), { recursive: true }).filter((f) => f.endsWith('.d.ts'))) {
      const path = join(dir, 'dist', file);
      const text = readFileSync(path, 'utf8');
      // Node's own modules and globals (Buffer, NodeJS.*) are typed by @types/node.
      const usesNode = /\bBuffer\b|\bNodeJS\.|["']node:/.test(text);
      if (usesNode && !reachable.has('@types/node'))
        problems.push(`${pkg.name}/dist/${file}: uses Node's types without @types/node among its dependencies`);
      for (const [, spec] of text.matchAll(/(?:from |import\()["']([^."'][^"']*)["']/g)) {
        checked++;
        if (spec.startsWith('node:') || builtinModules.includes(spec)) continue;
        const resolved = ts.resolveModuleName(spec, path, options, ts.sys).resolvedModule;
        if (!resolved || !/\.d\.[cm]?ts$/.test(resolved.resolvedFileName)) {
          problems.push(`${pkg.name}/dist/${file}: '${spec}' has no types`);
          continue;
        }
        const from = /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(resolved.resolvedFileName.slice(project.length))?.[1];
        if (from && !reachable.has(from) && from !== pkg.name)
          problems.push(`${pkg.name}/dist/${file}: '${spec}' takes its types from ${from}, not among its dependencies`);
      }
    }
  }
  if (problems.length)
    fail(`declarations import types the packages do not bring:\n${[...new Set(problems)].slice(0, 20).join('\n')}`);
  console.log(
    `== declarations: ${checked} imports in our .d.ts files resolve to types the packages depend on (${((Date.now() - t) / 1000).toFixed(1)} s)`,
  );
}

/** Build output of deleted sources (tsc -b leaves it behind) would be packed: remove it. */
function pruneStaleOutputs() {
  const dirs = [...readdirSync(join(repo, 'packages')).map((d) => `packages/${d}`), 'apps/server'];
  for (const dir of dirs) {
    const dist = join(repo, dir, 'dist');
    if (!existsSync(dist)) continue;
    for (const map of readdirSync(dist, { recursive: true }).filter((f) => f.endsWith('.map'))) {
      const { sources } = JSON.parse(readFileSync(join(dist, map), 'utf8'));
      if (sources.some((source) => existsSync(join(dist, dirname(map), source)))) continue;
      for (const file of [map, map.slice(0, -'.map'.length)]) rmSync(join(dist, file), { force: true });
      console.log(`   removed stale build output ${dir}/dist/${map.slice(0, -'.map'.length)} (its source is gone)`);
    }
  }
}

function pkgDir(name) {
  const short = name.replace('@pipewright/', '');
  return short === 'server' ? 'apps/server' : `packages/${short}`;
}

// 2. A fresh project outside the workspace: examples/ with every package from its tarball.
mkdirSync(project);
for (const entry of ['package.json', 'tsconfig.json', 'embedding', 'route-set', 'storage-adapter'])
  cpSync(join(repo, 'examples', entry), join(project, entry), { recursive: true });
const manifest = JSON.parse(readFileSync(join(project, 'package.json'), 'utf8'));
for (const pkg of packed) manifest.dependencies[pkg.name] = `file:${join(tarballs, pkg.filename)}`;
writeFileSync(join(project, 'package.json'), JSON.stringify(manifest, null, 2));
step('install', 'npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], project);

// 3. Strict TypeScript; and every type our declarations import resolves to a .d.ts the
// package itself brings in through its dependencies (e.g. @types/express), not an implicit any.
step(
  'compile (strict)',
  process.execPath,
  [join(project, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json'],
  project,
);
checkDeclarationImports();

// 4. Both examples, and the conformance kit against the example adapter with the command its README documents.
const [, , kit] = await parallel([
  ['embedding example', 'npm', ['run', '--silent', 'embedding']],
  ['route-set example', 'npm', ['run', '--silent', 'route-set']],
  ['storage conformance', 'npx', ['--no-install', 'pipewright-conformance', '--verbose=false']],
]);
const out = kit.stdout;
const counts = /storage conformance: (\d+) checks in (\d+) areas: (\d+) passed, (\d+) failed/.exec(out);
if (!counts || counts[4] !== '0' || counts[1] !== counts[3]) fail('the conformance kit did not pass every check');
const readmePath = join(repo, 'packages/storage-conformance/README.md');
const readme = readFileSync(readmePath, 'utf8');
const stated = /\*\*(\d+) checks in (\d+) areas\*\*/.exec(readme);
if (!stated || stated[1] !== counts[1] || stated[2] !== counts[2]) {
  // CI fails on stale counts; elsewhere (or with --update-counts) the README is brought up to date.
  if (process.env.CI && !args.has('--update-counts'))
    fail(
      `packages/storage-conformance/README.md states ${stated ? `${stated[1]} checks in ${stated[2]} areas` : 'no counts'}; the kit ran ${counts[1]} in ${counts[2]} (rerun with --update-counts)`,
    );
  writeFileSync(
    readmePath,
    readme.replace(/\*\*\d+ checks in \d+ areas\*\*/, `**${counts[1]} checks in ${counts[2]} areas**`),
  );
  console.log(`   updated the kit README: ${counts[1]} checks in ${counts[2]} areas`);
}

if (!args.has('--keep')) rmSync(work, { recursive: true, force: true });
console.log(`\ncheck-examples: ok in ${((Date.now() - started) / 1000).toFixed(0)} s`);
