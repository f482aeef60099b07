#!/usr/bin/env node
// The `pipewright` command. This file exists before anything is built, so npm links it at
// install time; in a source checkout it builds the workspace on first use.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const cli = join(here, '..', 'dist', 'cli.js');
if (!existsSync(cli)) {
  const workspace = join(here, '..', '..', '..');
  const buildConfig = join(workspace, 'tsconfig.build.json');
  if (!existsSync(buildConfig)) {
    console.error(
      `pipewright: ${cli} is missing and there is no workspace to build it from; reinstall @pipewright/server.`,
    );
    process.exit(1);
  }
  console.error('pipewright: building the workspace first (npm run build)…');
  const tsc = createRequire(buildConfig).resolve('typescript/bin/tsc');
  const built = spawnSync(process.execPath, [tsc, '-b', buildConfig], { cwd: workspace, stdio: 'inherit' });
  if (built.status !== 0) process.exit(built.status ?? 1);
}
await import(pathToFileURL(cli).href);
