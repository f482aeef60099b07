import { parseArgs } from 'node:util';
import { NotFoundError, type Actor } from '@pipewright/core';
import { loadConfig, type ServerConfig } from './config.js';
import { createApp } from './create-app.js';
import { tuneHeap } from './heap-tuning.js';
import { createLogger } from './logger.js';
import { openStorage } from './open-storage.js';
import { untilStopSignal } from './stop-signal.js';

const USAGE = `Usage: pipewright <command> [options]

Commands:
  migrate                                  bring the database schema up to date
  worker [--concurrency N]                 execute queued runs (no HTTP, no scheduler) until
                                           SIGTERM/SIGINT; any number of workers may share the database
  create-org --slug <slug> [--name <name>]
  create-user --email <email> --org <slug> [--password <pw>] [--name <name>] [--role admin|member] [--server-admin]
                                           --server-admin: an operator of the whole server (workers,
                                           every organization, deactivations), not only of --org
  create-api-key --email <email> --org <slug> [--description <text>]
                                           prints a personal key (shown once)

Configuration comes from the environment (DATABASE_URL, PIPEWRIGHT_DATA_DIR, PIPEWRIGHT_SECRET, …).`;

function fail(message: string): never {
  console.error(message);
  process.exit(2);
}

/**
 * Runs one CLI command. `stopSignal` (given for `worker`) was set up by the entry point before
 * anything else loaded, so a stop asked for while the worker starts is not lost.
 */
export async function runCli(argv: string[], stopSignal: Promise<unknown> | null): Promise<void> {
  const [command, ...rest] = argv;
  const { values } = parseArgs({
    args: rest,
    options: {
      slug: { type: 'string' },
      name: { type: 'string' },
      email: { type: 'string' },
      org: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      description: { type: 'string' },
      concurrency: { type: 'string' },
      'server-admin': { type: 'boolean' },
    },
    strict: true,
  });
  const config = loadConfig();
  if (command === 'migrate') {
    const handle = await openStorage(config);
    await handle.migrate();
    await handle.close();
    console.log('migrations are up to date');
    return;
  }
  if (command === 'worker') return runWorker(config, values.concurrency, stopSignal ?? untilStopSignal());
  if (!command || command === 'help' || command === '--help') return void console.log(USAGE);

  // An admin command executes no run: no stage sandbox processes.
  const built = await createApp({ config: { ...config, stageSandbox: false }, logger: createLogger('warn') });
  try {
    const { core } = built;
    const orgActor = async (slug: string | undefined): Promise<Actor> => {
      if (!slug) fail('--org <slug> is required');
      const org = await core.auth.findOrganization({ slug });
      if (!org) throw new NotFoundError('Organization', slug);
      // The CLI acts as a service principal of the organization (an operator on the machine).
      return { kind: 'service', userId: '00000000-0000-0000-0000-000000000000', orgId: org.id, role: 'admin' };
    };
    switch (command) {
      case 'create-org': {
        if (!values.slug) fail('--slug <slug> is required');
        const org = await core.admin.createOrganization(null, { slug: values.slug, name: values.name });
        console.log(JSON.stringify({ id: org.id, slug: org.slug, seq: org.seq }));
        break;
      }
      case 'create-user': {
        if (!values.email) fail('--email <email> is required');
        const actor = await orgActor(values.org);
        const role = (values.role ?? 'member') as 'admin' | 'member';
        const { user } = await core.admin.createUserAsOperator(actor.orgId, {
          email: values.email,
          name: values.name,
          password: values.password ?? null,
          role,
        });
        if (values['server-admin']) await core.accounts.grantServerAdmin(null, user.id);
        console.log(
          JSON.stringify({
            id: user.id,
            email: user.email,
            role,
            ...(values['server-admin'] ? { server_admin: true } : {}),
          }),
        );
        break;
      }
      case 'create-api-key': {
        if (!values.email) fail('--email <email> is required');
        const service = await orgActor(values.org);
        const { user, role } = await core.admin.getUserByEmail(service, values.email);
        const { key, secret } = await core.apiKeys.createPersonalKey(
          { kind: 'user', userId: user.id, orgId: service.orgId, role },
          { description: values.description ?? null },
        );
        console.log(JSON.stringify({ id: key.id, key: secret, org: values.org }));
        break;
      }
      default:
        fail(`Unknown command "${command}".\n\n${USAGE}`);
    }
  } finally {
    await built.close();
  }
}

/** `pipewright worker`: the worker role alone, on the queue executor, until a stop signal. */
async function runWorker(
  config: ServerConfig,
  concurrency: string | undefined,
  stopSignal: Promise<unknown>,
): Promise<void> {
  const n = concurrency === undefined ? config.runConcurrency : Number(concurrency);
  if (!Number.isInteger(n) || n < 1) fail('--concurrency must be an integer ≥ 1');
  tuneHeap(config.heapGrowingPercent);
  const logger = createLogger(config.logLevel);
  const built = await createApp({
    config: { ...config, roles: ['worker'], executor: 'queue', runConcurrency: n },
    logger,
  });
  await stopSignal;
  logger.info({ worker: built.worker?.id }, 'worker stopping');
  await built.close();
}
