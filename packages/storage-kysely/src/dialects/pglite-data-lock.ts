import { linkSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';

/**
 * PGlite is one Postgres in one process: two processes opening the same data folder each
 * write their own WAL and lose each other's changes. A lock file beside the folder
 * (`<dataDir>.lock`, holding the owner's pid) makes the second one fail at once instead.
 */
export class DataFolderInUseError extends Error {
  readonly code = 'DATA_FOLDER_IN_USE';
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The PGlite data folder ${dataDir} is in use by process ${pid} (a running Pipewright server or CLI). ` +
        'PGlite serves one process: stop that process first, or use Postgres (DATABASE_URL) to share a database between processes.',
    );
    this.name = 'DataFolderInUseError';
  }
}

interface LockOwner {
  pid: number;
  host: string;
}

const held = new Set<string>();

/** Takes the lock of `dataDir` for this process; the returned function releases it. */
export function lockDataFolder(dataDir: string): () => void {
  const file = `${dataDir}.lock`;
  if (held.has(file)) throw new DataFolderInUseError(dataDir, process.pid);
  for (let attempt = 0; ; attempt++) {
    // Written whole under a private name, then linked into place: no one reads a half-written lock.
    const mine = `${file}.${process.pid}`;
    writeFileSync(mine, JSON.stringify({ pid: process.pid, host: hostname() } satisfies LockOwner));
    try {
      linkSync(mine, file);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 2) throw e;
      const owner = readOwner(file);
      if (owner && isAlive(owner)) throw new DataFolderInUseError(dataDir, owner.pid);
      // The owner died without releasing it (killed): the lock is stale.
      try {
        unlinkSync(file);
      } catch {
        // Another process took it over meanwhile: the next attempt sees its lock.
      }
    } finally {
      unlinkSync(mine);
    }
  }
  held.add(file);
  const release = () => {
    if (!held.delete(file)) return;
    process.off('exit', release);
    if (readOwner(file)?.pid === process.pid) {
      try {
        unlinkSync(file);
      } catch {
        // Already gone.
      }
    }
  };
  process.on('exit', release);
  return release;
}

function readOwner(file: string): LockOwner | null {
  try {
    const owner = JSON.parse(readFileSync(file, 'utf8')) as Partial<LockOwner>;
    return typeof owner.pid === 'number' ? { pid: owner.pid, host: String(owner.host ?? '') } : null;
  } catch {
    // Unreadable: not a lock this code wrote; treat as stale.
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  // A lock written on another host (a shared volume) cannot be checked from here: honour it.
  if (owner.host && owner.host !== hostname()) return true;
  try {
    process.kill(owner.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
