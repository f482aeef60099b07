#!/usr/bin/env node
import { untilStopSignal } from './stop-signal.js';

// `pipewright <command>`. A worker listens for SIGTERM/SIGINT before loading anything else: a stop
// asked for while it starts is then a clean stop once started, not the default exit 143.
const argv = process.argv.slice(2);
const stopSignal = argv[0] === 'worker' ? untilStopSignal() : null;
try {
  const { runCli } = await import('./cli-commands.js');
  await runCli(argv, stopSignal);
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
