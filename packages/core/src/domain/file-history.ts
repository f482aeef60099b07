import type { PipelineType } from './pipeline.js';

export const FILE_HISTORY_STATUSES = ['COMPLETED', 'ERROR'] as const;
export type FileHistoryStatus = (typeof FILE_HISTORY_STATUSES)[number];

export interface FileHistoryState {
  id: string;
  workflowId: string;
  /** sha256 of the file's content. */
  cacheKey: string;
  filePath: string;
  providerFileUuid: string | null;
  status: FileHistoryStatus;
  executionCount: number;
  result: unknown;
  error: string | null;
  metadata: Record<string, unknown> | null;
  createdAt: Date;
  updatedAt: Date;
}

/** What the workflow remembers about a file, to decide whether it is processed again. */
export class FileHistory {
  private constructor(private state: FileHistoryState) {}

  static create(input: {
    id: string;
    workflowId: string;
    cacheKey: string;
    filePath: string;
    providerFileUuid?: string | null;
    status: FileHistoryStatus;
    result?: unknown;
    error?: string | null;
    metadata?: Record<string, unknown> | null;
    now: Date;
  }): FileHistory {
    return new FileHistory({
      id: input.id,
      workflowId: input.workflowId,
      cacheKey: input.cacheKey,
      filePath: input.filePath,
      providerFileUuid: input.providerFileUuid ?? null,
      status: input.status,
      executionCount: 1,
      result: input.result ?? null,
      error: input.error ?? null,
      metadata: input.metadata ?? null,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: FileHistoryState): FileHistory {
    return new FileHistory(structuredClone(state));
  }

  get id(): string {
    return this.state.id;
  }
  get workflowId(): string {
    return this.state.workflowId;
  }
  get cacheKey(): string {
    return this.state.cacheKey;
  }
  get filePath(): string {
    return this.state.filePath;
  }
  get status(): FileHistoryStatus {
    return this.state.status;
  }
  get executionCount(): number {
    return this.state.executionCount;
  }
  get providerFileUuid(): string | null {
    return this.state.providerFileUuid;
  }
  get result(): unknown {
    return this.state.result;
  }
  get error(): string | null {
    return this.state.error;
  }
  get metadata(): Readonly<Record<string, unknown>> | null {
    return this.state.metadata;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  /** Records one more execution of the file and its outcome. */
  recordExecution(outcome: { status: FileHistoryStatus; result?: unknown; error?: string | null }, now: Date): void {
    this.state = {
      ...this.state,
      status: outcome.status,
      result: outcome.result ?? null,
      error: outcome.error ?? null,
      executionCount: this.state.executionCount + 1,
      updatedAt: now,
    };
  }

  hasExceededLimit(max: number): boolean {
    return this.state.executionCount >= max;
  }

  /**
   * Unstract's file-marker rule: a COMPLETED file at the same path is skipped; ETL and
   * TASK runs also skip a file that reached the workflow's execution limit.
   */
  shouldSkip(filePath: string, pipelineType: PipelineType | null, maxExecutions: number): boolean {
    if (this.state.status === 'COMPLETED' && this.state.filePath === filePath) return true;
    if ((pipelineType === 'ETL' || pipelineType === 'TASK') && this.hasExceededLimit(maxExecutions)) return true;
    return false;
  }

  toState(): FileHistoryState {
    return structuredClone(this.state);
  }
}
