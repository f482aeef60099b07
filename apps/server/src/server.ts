import { createServer, type Server } from 'node:http';
import { bootstrapAdmin, convertInlineCredentials } from './bootstrap.js';
import { createApp, type CreateAppOptions, type PipewrightApp } from './create-app.js';

export interface RunningServer extends PipewrightApp {
  server: Server;
  port: number;
  /** Graceful stop: stop accepting, stop background work, close the database. */
  stop(): Promise<void>;
}

/** createApp + bootstrap (admin, inline credentials → connections) + listen. */
export async function startServer(options: CreateAppOptions = {}): Promise<RunningServer> {
  const built = await createApp(options);
  await bootstrapAdmin(built.core, built.config, built.logger);
  await convertInlineCredentials(built.core, built.logger);
  const server = createServer(built.app);
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(built.config.port, built.config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : built.config.port;
  built.logger.info({ port }, 'pipewright listening');
  let stopping: Promise<void> | null = null;
  return {
    ...built,
    server,
    port,
    stop() {
      stopping ??= (async () => {
        built.logger.info('shutting down');
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        const grace = setTimeout(() => server.closeAllConnections(), built.config.shutdownGraceMs);
        await closed;
        clearTimeout(grace);
        await built.close();
        built.logger.info('stopped');
      })();
      return stopping;
    },
  };
}
