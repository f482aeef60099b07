import type { FieldIssue, Pipeline, ResolvedConnection, Run, UploadedFile, Workflow } from '@pipewright/core';
import type { EgressPolicy } from '../egress/egress-policy.js';
import type { RunLogger } from '../run-logger.js';

/** A JSON Schema (draft-07) object describing a connector's settings; served to clients as is. */
export type JsonSchema = Record<string, unknown>;

/** What connectors may know about the engine's configuration. */
export interface ConnectorEnvironment {
  /**
   * Folder that filesystem connectors are confined to; null when they are disabled. At save
   * time (`check`) the server's file root; at run time the run's organization's own folder in it.
   */
  fileRoot: string | null;
}

/** Where a record came from: a file of a file-based source, or null for record sources. */
export interface FileRef {
  name: string;
  /** Path as recorded in file history (relative to the file root for the filesystem source). */
  path: string;
}

/** Everything a connector sees of the run it serves. */
export interface ConnectorContext extends ConnectorEnvironment {
  run: Run;
  pipeline: Pipeline | null;
  workflow: Workflow;
  /** Aborted on cancel, timeout or shutdown; connectors stop reading or writing when it fires. */
  signal: AbortSignal;
  /** Preferred number of records per batch. */
  batchSize: number;
  logger: RunLogger;
  /** The connection the workflow names for this connector (settings and secrets), or null. */
  connection: ResolvedConnection | null;
  /** Where the connector may connect: check every target and connect to the address it returns. */
  egress: EgressPolicy;
}

/** Incremental reading: rows whose `column` is past `after` (null: from the beginning). */
export interface IncrementalRead {
  /** The pipeline's update-time column, if it has one. */
  column: string | null;
  /** The pipeline's cursor when the run is incremental, else null (full read). */
  after: string | null;
}

export interface RecordSourceContext extends ConnectorContext {
  incremental: IncrementalRead;
}

/** One batch read from a record source. */
export interface RecordBatch {
  /** Records read (they count as passed in Receive). */
  records: unknown[];
  /** Rows that could not be read (they count as failed in Receive), with why. */
  unreadable?: string[];
  /**
   * The incremental cursor this batch completes: every row at or before it has been read
   * in this batch or an earlier one. Saved on the pipeline once the batch is written.
   */
  cursor?: string;
}

export interface FileSourceContext extends ConnectorContext {
  /** Files posted with the execute request (the `upload` source). */
  uploads: readonly UploadedFile[];
}

/** One file offered by a file-based source; the engine reads, hashes and parses it. */
export interface SourceFile extends FileRef {
  mimeType?: string;
  /** The file's bytes (read once, when the engine gets to the file, unless `stream` is given). */
  read(): Promise<Uint8Array>;
  /**
   * Optional: the bytes in chunks, from the start; called twice (to hash, then to parse), so a
   * large file is never whole in memory. The engine prefers it to `read`.
   */
  stream?(): AsyncIterable<Uint8Array>;
}

/** The connection a connector reaches its target with. */
export interface ConnectorConnection {
  /** A connection kind registered with `registerConnectionKind` (`postgres`, `webhook` …). */
  kind: string;
  /** Whether a workflow must name one (else it is optional). */
  required: boolean;
}

interface ConnectorBase {
  name: string;
  description: string;
  /** JSON Schema of `settings`, checked when a workflow is saved. */
  settingsSchema: JsonSchema;
  /** The connection kind it takes (none: it takes no connection). */
  connection?: ConnectorConnection;
  /** Checks the schema cannot express (paths under the file root …); fields are relative to `settings`. */
  check?(settings: Record<string, unknown>, env: ConnectorEnvironment): FieldIssue[];
}

/** A source that yields records in batches (inline, postgres, …). */
export interface RecordSourceConnector extends ConnectorBase {
  kind: 'records';
  read(settings: Record<string, unknown>, ctx: RecordSourceContext): AsyncIterable<RecordBatch>;
}

/** A source that yields files; each is parsed into records and tracked in file history. */
export interface FileSourceConnector extends ConnectorBase {
  kind: 'files';
  /** Whether a file already processed (or tried too often) is skipped. */
  usesFileHistory(settings: Record<string, unknown>): boolean;
  files(settings: Record<string, unknown>, ctx: FileSourceContext): AsyncIterable<SourceFile>;
}

export type SourceConnector = RecordSourceConnector | FileSourceConnector;

/** Records a destination could not write (by index in the batch given); the rest were written. */
export interface WriteResult {
  failed: Array<{ index: number; error: string }>;
}

/**
 * An open destination for one run. Errors thrown mean the destination itself failed (the run
 * ends as ERROR); transient ones (`RetryableError`, network codes, see `isRetryable`) let the
 * pipeline's retry policy try the run again. The same holds for errors a source throws.
 */
export interface DestinationWriter {
  /** Writes one batch; resolves when it is stored (back-pressure: the engine waits). */
  write(records: unknown[], file: FileRef | null): Promise<WriteResult>;
  /** All records of `file` have been written. */
  endFile?(file: FileRef): Promise<void>;
  /** Releases resources; `completed` is false when the run failed or stopped. */
  close(completed: boolean): Promise<void>;
}

export interface DestinationConnector extends ConnectorBase {
  open(settings: Record<string, unknown>, ctx: ConnectorContext): Promise<DestinationWriter>;
}

export interface HandlerContext {
  runId: string;
  workflowId: string;
  file: FileRef | null;
  signal: AbortSignal;
}

/** A named transformation: returns the new record; throwing fails the record in Transformation. */
export type TransformationHandler = (record: unknown, ctx: HandlerContext) => unknown | Promise<unknown>;

/** What a connection kind's `test` gets besides the connection. */
export interface ConnectionTestContext {
  egress: EgressPolicy;
  /** The organization's own folder of the file root (null: no file root). */
  fileRoot: string | null;
  /** Fires at the test's timeout. */
  signal: AbortSignal;
}

/**
 * A kind of connection (`postgres`, `webhook`, `filesystem`, a plug-in's): what its settings
 * hold (secrets included) and how to reach its target.
 */
export interface ConnectionKindDefinition {
  name: string;
  description: string;
  /** JSON Schema of the settings, secrets included; checked when a connection is saved. */
  settingsSchema: JsonSchema;
  /** Fields that are secret: sealed at rest, masked in views, redacted from run logs. */
  secretFields: readonly string[];
  /**
   * Setting keys that, written inline in a connector's settings (before connections existed),
   * belong in a connection of this kind.
   */
  inlineKeys?: readonly string[];
  /**
   * Normalizes settings before they are checked against the schema (parses a connection
   * string, applies defaults). Returns field issues instead when it cannot.
   */
  normalize?(settings: Record<string, unknown>): Record<string, unknown> | { issues: FieldIssue[] };
  /** The network target of checked settings, for the egress policy (null: none). */
  target?(settings: Record<string, unknown>): { field: string; host: string; port: number; database?: string } | null;
  /** Checks settings beyond the schema once normalized (a lexical path check …). */
  check?(settings: Record<string, unknown>): FieldIssue[];
  /** Reaches the target; resolves with a message, throws why not. */
  test?(connection: ResolvedConnection, ctx: ConnectionTestContext): Promise<string>;
}
