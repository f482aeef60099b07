import type {
  ApiDeploymentState,
  ApiKeyState,
  ConnectionState,
  FileExecution,
  FileHistoryState,
  InvitationState,
  Membership,
  OrganizationState,
  PipelineState,
  RunLog,
  RunState,
  TagState,
  UserState,
  WorkflowState,
} from '@pipewright/core';

/**
 * The stored rows: aggregate states by id. Rows are immutable values — a write puts a
 * new object in the map, never changes one — so a shallow copy of a map is a snapshot.
 * Every operation reads and writes synchronously, so no reader sees half a statement.
 */
export interface Tables {
  organizations: Map<string, OrganizationState>;
  users: Map<string, UserState>;
  /** Keyed by `membershipKey(orgId, userId)`. */
  memberships: Map<string, Membership>;
  pipelines: Map<string, PipelineState>;
  runs: Map<string, RunState>;
  runLogs: Map<string, RunLog>;
  fileExecutions: Map<string, FileExecution>;
  workflows: Map<string, WorkflowState>;
  connections: Map<string, ConnectionState>;
  fileHistories: Map<string, FileHistoryState>;
  apiKeys: Map<string, ApiKeyState>;
  apiDeployments: Map<string, ApiDeploymentState>;
  tags: Map<string, TagState>;
  invitations: Map<string, InvitationState>;
}

export type TableName = keyof Tables;
export type RowOf<K extends TableName> = Tables[K] extends Map<string, infer R> ? R : never;

export function emptyTables(): Tables {
  return {
    organizations: new Map(),
    users: new Map(),
    memberships: new Map(),
    pipelines: new Map(),
    runs: new Map(),
    runLogs: new Map(),
    fileExecutions: new Map(),
    workflows: new Map(),
    connections: new Map(),
    fileHistories: new Map(),
    apiKeys: new Map(),
    apiDeployments: new Map(),
    tags: new Map(),
    invitations: new Map(),
  };
}

export function membershipKey(orgId: string, userId: string): string {
  return `${orgId}/${userId}`;
}

/** Read access to one consistent state of the tables. */
export interface Reader {
  table<K extends TableName>(name: K): ReadonlyMap<string, RowOf<K>>;
}

/** The writes a statement makes to one table (rows are replaced whole, never changed). */
export interface TableWriter<R> {
  set(id: string, row: R): void;
  delete(id: string): void;
}

/** Read and write access to the tables. */
export interface Writer extends Reader {
  mutable<K extends TableName>(name: K): TableWriter<RowOf<K>>;
}

/** Writes straight into the given tables (the committed ones, under the store's lock). */
export function directWriter(tables: Tables): Writer {
  return {
    table: <K extends TableName>(name: K) => tables[name] as unknown as ReadonlyMap<string, RowOf<K>>,
    mutable: <K extends TableName>(name: K) => tables[name] as unknown as TableWriter<RowOf<K>>,
  };
}

/**
 * A transaction's private tables over the committed state: a table is copied on its
 * first write, so what the transaction has not touched is shared, and a rollback is
 * simply dropping the view.
 */
export class CopyOnWriteView implements Writer {
  private readonly copied: Partial<Record<TableName, Map<string, unknown>>> = {};

  constructor(private readonly base: Tables) {}

  table<K extends TableName>(name: K): ReadonlyMap<string, RowOf<K>> {
    return (this.copied[name] ?? this.base[name]) as ReadonlyMap<string, RowOf<K>>;
  }

  mutable<K extends TableName>(name: K): TableWriter<RowOf<K>> {
    let copy = this.copied[name];
    if (!copy) {
      copy = new Map(this.base[name] as Map<string, unknown>);
      this.copied[name] = copy;
    }
    return copy as Map<string, RowOf<K>>;
  }

  /** The tables as this view sees them (the base with this view's copies), to commit. */
  snapshot(): Tables {
    return { ...this.base, ...this.copied } as Tables;
  }
}

/**
 * Runs one statement against `target` atomically: every write is journaled, and when the
 * statement throws the journal is played backwards, so it leaves nothing behind (as a
 * failed SQL statement does, inside a transaction or not).
 */
export function runStatement<T>(target: Writer, statement: (w: Writer) => T): T {
  const undo: Array<() => void> = [];
  const journaled: Writer = {
    table: (name) => target.table(name),
    mutable: (name) => {
      const table = target.mutable(name);
      const rows = target.table(name) as ReadonlyMap<string, unknown>;
      const restore = (id: string, had: boolean, previous: unknown) => () =>
        had ? table.set(id, previous as never) : table.delete(id);
      return {
        set(id, row) {
          undo.push(restore(id, rows.has(id), rows.get(id)));
          table.set(id, row);
        },
        delete(id) {
          if (!rows.has(id)) return;
          undo.push(restore(id, true, rows.get(id)));
          table.delete(id);
        },
      };
    },
  };
  try {
    return statement(journaled);
  } catch (error) {
    for (const step of undo.reverse()) step();
    throw error;
  }
}

/** How repositories reach the tables: in autocommit mode or inside one transaction. */
export interface Db {
  /** A consistent state to read from (the committed one, or the transaction's view). */
  read(): Reader;
  /** Runs one statement atomically: all its writes apply, or none when it throws. */
  write<T>(statement: (w: Writer) => T): Promise<T>;
  /** Whether statements run inside a transaction (else each commits on its own). */
  readonly inTransaction?: boolean;
}
