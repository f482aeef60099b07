import { UnavailableError, type Repositories } from '@pipewright/core';
import { ABANDONED_MESSAGE } from './errors.js';
import { querySignal } from './query-scope.js';

interface Lane {
  running: number;
  waiting: Array<() => void>;
}

/**
 * At most `perKey` list queries of one key (an organization) run at once; the others wait their
 * turn, first come first served, without holding a connection. One tenant's expensive lists then
 * queue behind each other instead of taking the whole pool (and the database's CPU) from the rest.
 */
export class ListGate {
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly perKey: number) {}

  /** Runs `work` in `key`'s lane; leaves the queue (UnavailableError) if `signal` aborts first. */
  async run<T>(key: string, signal: AbortSignal, work: () => Promise<T>): Promise<T> {
    const lane = this.lanes.get(key) ?? { running: 0, waiting: [] };
    this.lanes.set(key, lane);
    if (lane.running >= this.perKey) await this.turn(lane, signal);
    else lane.running++;
    try {
      return await work();
    } finally {
      const next = lane.waiting.shift();
      if (next) next();
      else if (--lane.running === 0) this.lanes.delete(key);
    }
  }

  /** Waits until a running query of the lane hands its place over (`running` stays counted). */
  private turn(lane: Lane, signal: AbortSignal): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const go = () => {
        signal.removeEventListener('abort', leave);
        resolve();
      };
      const leave = () => {
        lane.waiting.splice(lane.waiting.indexOf(go), 1);
        reject(new UnavailableError(ABANDONED_MESSAGE));
      };
      lane.waiting.push(go);
      signal.addEventListener('abort', leave, { once: true });
    });
  }
}

/** The organization (or other owner) a list call is about: `visibility.orgId`, or its first argument's id. */
function keyOf(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  const orgId = (first as { orgId?: unknown } | null)?.orgId;
  return typeof orgId === 'string' ? orgId : undefined;
}

/**
 * The repositories with every `list` passing through `gate` when called in a query scope (a
 * request); work outside a scope (runs, the scheduler) and transactions are not gated, so a
 * gated call never waits while holding a connection.
 */
export function gateLists(repositories: Repositories, gate: ListGate): Repositories {
  const gated = { ...repositories } as Record<string, unknown>;
  for (const [name, repository] of Object.entries(repositories)) {
    const list = (repository as { list?: unknown }).list;
    if (typeof list !== 'function') continue;
    gated[name] = Object.assign(Object.create(repository as object), repository, {
      list(this: unknown, first: unknown, ...rest: unknown[]) {
        const call = () => list.call(repository, first, ...rest) as Promise<unknown>;
        const signal = querySignal();
        const key = keyOf(first);
        return signal && key ? gate.run(key, signal, call) : call();
      },
    });
  }
  return gated as unknown as Repositories;
}
