import { loadConfig } from './config.js';
import { tuneHeap } from './heap-tuning.js';
import { startServer, type RunningServer } from './server.js';

/** Starts the server from the environment, serves until `stopSignal`, stops gracefully and exits. */
export async function startFromEnvironment(stopSignal: Promise<unknown>): Promise<never> {
  let running: RunningServer;
  try {
    const config = loadConfig();
    tuneHeap(config.heapGrowingPercent);
    running = await startServer({ config });
  } catch (err) {
    console.error(err);
    process.exit(1);
  }
  await stopSignal;
  try {
    await running.stop();
    process.exit(0);
  } catch (err) {
    running.logger.error({ err }, 'shutdown failed');
    process.exit(1);
  }
}
