#!/usr/bin/env node
import { startServer } from './server.js';

// `npm start`: the server with the environment's configuration; SIGTERM/SIGINT stop it gracefully.
const running = await startServer().catch((err: unknown) => {
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
