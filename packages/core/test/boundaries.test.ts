import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');

/** Source files (TypeScript and JavaScript) under `dir`, skipping builds and installs. */
function sources(dir: string): string[] {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  return entries.flatMap((e) => {
    if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return sources(path);
    return /\.(ts|mts|cts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

// The import-level rules live in .dependency-cruiser.cjs (npm run lint); these check what it cannot see.
describe('core package', () => {
  it('has no runtime dependencies', () => {
    const pkg = JSON.parse(readFileSync(join(here, '..', 'package.json'), 'utf8'));
    expect(pkg.dependencies ?? {}).toEqual({});
    expect(pkg.peerDependencies ?? {}).toEqual({});
  });

  it("keeps its ports inside: nothing outside packages/core reads a service's `deps`", () => {
    const outside = [
      ...readdirSync(join(root, 'packages'))
        .filter((p) => p !== 'core')
        .map((p) => join(root, 'packages', p)),
      join(root, 'apps'),
      join(root, 'examples'),
    ];
    const offenders = outside.flatMap(sources).flatMap((file) =>
      readFileSync(file, 'utf8')
        .split('\n')
        .flatMap((line, i) => (/\.deps\b/.test(line) ? [`${relative(root, file)}:${i + 1}: ${line.trim()}`] : [])),
    );
    // Adapters reach storage, clock and ids through core methods (`core.lifecycle.*`, `core.clock`, `core.ids` …).
    expect(offenders).toEqual([]);
  });
});
