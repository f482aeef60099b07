import type { PGlite } from '@electric-sql/pglite';

/**
 * PGlite has one session. Every driver over the same instance takes turns on this one
 * lock, from acquiring the connection to releasing it (a whole transaction), so a
 * driver's transaction never sees another driver's statements and each driver's
 * `search_path` holds while it runs.
 */
export interface PgliteSession {
  /** Resolves when this caller holds the session; call the returned function to let go. */
  acquire(): Promise<() => void>;
  /** The search_path last set on the session by one of our drivers (null: never set). */
  searchPath: string | null;
}

const sessions = new WeakMap<PGlite, PgliteSession>();

export function pgliteSession(pglite: PGlite): PgliteSession {
  let session = sessions.get(pglite);
  if (!session) {
    let tail: Promise<void> = Promise.resolve();
    session = {
      searchPath: null,
      acquire() {
        let release!: () => void;
        const held = new Promise<void>((resolve) => (release = resolve));
        const turn = tail.then(() => release);
        tail = tail.then(() => held);
        return turn;
      },
    };
    sessions.set(pglite, session);
  }
  return session;
}
