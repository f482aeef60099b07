import { NotFoundError, ValidationError } from '../errors/domain-error.js';
import { FileHistory, type FileHistoryStatus } from '../domain/file-history.js';
import type { PipelineType } from '../domain/pipeline.js';
import type { Actor } from '../policies/actor.js';
import { assertCanChange, assertCanSee } from '../policies/resource.policy.js';
import type { Filter, Page } from '../ports/query.js';
import {
  FILE_HISTORY_FIELDS,
  FILE_HISTORY_SORTS,
  type FileHistoryField,
  type FileHistoryQuery,
} from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';

export class FileHistoryService {
  constructor(private readonly deps: CoreDeps) {}

  async list(actor: Actor, workflowId: string, query: FileHistoryQuery): Promise<Page<FileHistory>> {
    const wf = assertCanSee(actor, await this.deps.storage.workflows.findById(workflowId), 'Workflow');
    return this.deps.storage.fileHistories.list(wf.id, checkQuery(query, FILE_HISTORY_FIELDS, FILE_HISTORY_SORTS));
  }

  async get(actor: Actor, workflowId: string, id: string): Promise<FileHistory> {
    const wf = assertCanSee(actor, await this.deps.storage.workflows.findById(workflowId), 'Workflow');
    const h = await this.deps.storage.fileHistories.findById(wf.id, id);
    if (!h) throw new NotFoundError('File history', id);
    return h;
  }

  async delete(actor: Actor, workflowId: string, id: string): Promise<void> {
    const wf = assertCanChange(actor, await this.deps.storage.workflows.findById(workflowId), 'Workflow');
    if (!(await this.deps.storage.fileHistories.delete(wf.id, id))) throw new NotFoundError('File history', id);
  }

  /** Bulk clear by filter; at least one filter is required. Returns how many were deleted. */
  async clear(actor: Actor, workflowId: string, filters: Filter<FileHistoryField>[]): Promise<number> {
    if (filters.length === 0)
      throw new ValidationError(
        'At least one filter (ids, status, execution_count_min, execution_count_max, or file_path) must be provided',
      );
    const wf = assertCanChange(actor, await this.deps.storage.workflows.findById(workflowId), 'Workflow');
    checkQuery(
      { filters, logical: 'and', sort: [], page: { page: 1, size: 1 } },
      FILE_HISTORY_FIELDS,
      FILE_HISTORY_SORTS,
    );
    return this.deps.storage.fileHistories.deleteMatching(wf.id, filters);
  }

  /** Clears every file marker of the workflow, so its files are processed again. */
  async clearAll(actor: Actor, workflowId: string): Promise<number> {
    const wf = assertCanChange(actor, await this.deps.storage.workflows.findById(workflowId), 'Workflow');
    return this.deps.storage.fileHistories.deleteMatching(wf.id, []);
  }

  // ---- engine side ----

  /** Whether a file must be skipped under the file-marker rule. */
  async shouldSkip(
    workflowId: string,
    file: { cacheKey: string; filePath: string },
    pipelineType: PipelineType | null,
    maxExecutions: number,
  ): Promise<boolean> {
    const h = await this.deps.storage.fileHistories.findByFile(workflowId, file.cacheKey, file.filePath);
    return !!h && h.shouldSkip(file.filePath, pipelineType, maxExecutions);
  }

  /** Records one execution of a file (creating its history on the first). */
  async record(
    workflowId: string,
    file: { cacheKey: string; filePath: string },
    outcome: { status: FileHistoryStatus; result?: unknown; error?: string | null },
  ): Promise<FileHistory> {
    return this.deps.storage.transaction(async (tx) => {
      const now = this.deps.clock.now();
      const existing = await tx.fileHistories.findByFile(workflowId, file.cacheKey, file.filePath);
      if (existing) {
        existing.recordExecution(outcome, now);
        await tx.fileHistories.update(existing);
        return existing;
      }
      const created = FileHistory.create({ id: this.deps.ids.uuid(), workflowId, ...file, ...outcome, now });
      await tx.fileHistories.insert(created);
      return created;
    });
  }
}
