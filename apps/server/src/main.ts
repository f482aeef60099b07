#!/usr/bin/env node
import { loadConfig } from './config.js';
import { tuneHeap } from './heap-tuning.js';
import { startServer } from './server.js';

// `npm start`: the server with the environment's configuration; SIGTERM/SIGINT stop it gracefully.
const running = await Promise.resolve()
  .then(() => {
    const config = loadConfig();
    tuneHeap(config.heapGrowingPercent);
    return startServer({ config });
  })
  .catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
for (const signal of ['SIGTERM', 'SIGINT'] as const) {
  process.once(signal, () => {
    running
      .stop()
      .then(() => process.exit(0))
      .catch((err: unknown) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  });
}
