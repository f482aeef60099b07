import {
  ConflictError,
  OPEN_RUN_STATUSES,
  RUN_FIELDS,
  RunInProgressError,
  type Run,
  type RunRepository,
  type RunState,
} from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import { deleteRuns } from './cascades.js';
import { matchQuery, paginate, sortRows, type EvalRecord } from '../query-evaluator.js';
import type { Sequences } from '../sequences.js';
import type { Db, Reader, Writer } from '../tables.js';
import { isRunVisible } from '../visibility.js';

const DEFAULT_BATCH_SIZE = 500;

const isOpen = (r: { status: RunState['status'] }) => OPEN_RUN_STATUSES.includes(r.status);

/** The one-open-run-per-pipeline rule (a partial unique index in SQL). */
function assertNoOtherOpenRun(w: Writer, run: Run): void {
  if (run.pipelineId === null || !run.isOpen) return;
  for (const other of w.table('runs').values())
    if (other.pipelineId === run.pipelineId && other.id !== run.id && isOpen(other))
      throw new RunInProgressError(run.pipelineId);
}

/** A run with the computed fields a query may name (its display name, its pipeline's name). */
function withNames(t: Reader, run: RunState): EvalRecord {
  const pipelineName = run.pipelineId ? t.table('pipelines').get(run.pipelineId)?.name : undefined;
  const name = pipelineName !== undefined && run.index !== null ? `${pipelineName}-${run.index}` : `run-${run.seq}`;
  return { ...(run as unknown as EvalRecord), name, pipelineName: pipelineName ?? null };
}

export function runRepository(db: Db, sequences: Sequences): RunRepository {
  const findById = async (id: string) => {
    const row = db.read().table('runs').get(id);
    return row ? fromRow.run(row) : null;
  };
  return {
    async nextSeq() {
      return sequences.next('run');
    },
    async insert(run) {
      await db.write((w) => {
        if (w.table('runs').has(run.id)) throw new ConflictError('run', 'id', run.id);
        assertNoOtherOpenRun(w, run);
        w.mutable('runs').set(run.id, toRow.run(run));
      });
    },
    async update(run) {
      await db.write((w) => {
        if (!w.table('runs').has(run.id)) return;
        assertNoOtherOpenRun(w, run);
        w.mutable('runs').set(run.id, toRow.run(run));
      });
    },
    findById,
    // The transaction holds the store's lock, so a plain read is already exclusive.
    findByIdForUpdate: findById,
    async findBySeq(seq) {
      for (const row of db.read().table('runs').values()) if (row.seq === seq) return fromRow.run(row);
      return null;
    },
    async delete(id) {
      await db.write((w) => deleteRuns(w, new Set([id])));
    },
    async findOpenForPipeline(pipelineId) {
      for (const row of db.read().table('runs').values())
        if (row.pipelineId === pipelineId && isOpen(row)) return fromRow.run(row);
      return null;
    },
    async list(visibility, query) {
      const r = db.read();
      const rows = [...r.table('runs').values()].filter(
        (run) => isRunVisible(visibility, r, run) && matchQuery(RUN_FIELDS, withNames(r, run), query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (run, key) => run[key as keyof RunState] as string | number | Date | null),
        query.page,
      );
      return { items: page.items.map(fromRow.run), total: page.total };
    },
    async *stream(visibility, options) {
      const batchSize = Math.max(1, options?.batchSize ?? DEFAULT_BATCH_SIZE);
      let before = Number.POSITIVE_INFINITY;
      for (;;) {
        // Each batch reads the then-current state, like a keyset query per batch.
        const r = db.read();
        const batch = [...r.table('runs').values()]
          .filter((run) => run.seq < before && isRunVisible(visibility, r, run))
          .sort((a, b) => b.seq - a.seq)
          .slice(0, batchSize);
        for (const row of batch) yield fromRow.run(row);
        if (batch.length < batchSize) return;
        before = batch[batch.length - 1]!.seq;
      }
    },
    async lastPerPipeline(pipelineIds, n) {
      const out = new Map<string, Run[]>(pipelineIds.map((id) => [id, []]));
      const limit = Math.max(0, Math.floor(n));
      for (const row of db.read().table('runs').values())
        if (row.pipelineId !== null && row.index !== null) out.get(row.pipelineId)?.push(fromRow.run(row));
      for (const [id, runs] of out)
        out.set(id, runs.sort((a, b) => a.index! - b.index!).slice(Math.max(0, runs.length - limit)));
      return out;
    },
    async listExpiredLeases(now, limit) {
      const rows = [...db.read().table('runs').values()].filter(
        (run) => isOpen(run) && run.leaseExpiresAt !== null && run.leaseExpiresAt < now,
      );
      return sortRows(rows, [{ field: 'leaseExpiresAt', direction: 'asc' }], (run) => run.leaseExpiresAt)
        .slice(0, Math.max(0, limit))
        .map(fromRow.run);
    },
  };
}
