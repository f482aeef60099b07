import {
  ConflictError,
  PIPELINE_FIELDS,
  type Pipeline,
  type PipelineField,
  type PipelineRepository,
  type PipelineState,
} from '@pipewright/core';
import { fromRow, toRow } from '../mapping.js';
import {
  matchQuery,
  paginate,
  sortRows,
  type EvalRecord,
  type EvalType,
  type PersonValue,
} from '../query-evaluator.js';
import type { Sequences } from '../sequences.js';
import type { Db, Reader, Writer } from '../tables.js';
import { isVisible } from '../visibility.js';
import { deletePipelineCascade } from './cascades.js';

const EVAL_TYPES: Record<PipelineField, EvalType> = { ...PIPELINE_FIELDS, user: 'person', latestRunUser: 'person' };

function person(r: Reader, userId: string | null | undefined): PersonValue | null {
  const u = userId ? r.table('users').get(userId) : undefined;
  return u ? { id: u.id, name: u.name, email: u.email } : null;
}

function tagNames(r: Reader, p: PipelineState): string[] {
  const tags = r.table('tags');
  return p.tagIds.flatMap((id) => {
    const t = tags.get(id);
    return t ? [t.name] : [];
  });
}

/** The pipeline as the query sees it, with the joined values (owner, tags, latest run). */
function evalRecord(r: Reader, p: PipelineState): EvalRecord {
  const latestRun = p.lastRun ? r.table('runs').get(p.lastRun.id) : undefined;
  return {
    id: p.id,
    seq: p.seq,
    name: p.name,
    description: p.description,
    type: p.type,
    workflowId: p.workflowId,
    ownerId: p.ownerId,
    user: person(r, p.ownerId),
    enabled: p.enabled,
    scheduled: p.schedule !== null,
    createdAt: p.createdAt,
    updatedAt: p.updatedAt,
    lastRunAt: p.lastRun?.at ?? null,
    tags: tagNames(r, p),
    // A pipeline without a latest run (or its triggering user) matches no condition on it.
    latestRunStatus: p.lastRun ? p.lastRun.status : undefined,
    latestRunUser: person(r, latestRun?.triggeredBy),
    search: p.name,
  };
}

function sortValue(r: Reader, p: PipelineState, key: string) {
  switch (key) {
    case 'lastRunAt':
      return p.lastRun?.at ?? null;
    case 'latestRun':
      return p.lastRun?.at ?? p.createdAt;
    case 'user':
      return person(r, p.ownerId)?.name ?? null;
    case 'tags':
      return tagNames(r, p).sort()[0] ?? null;
    default:
      return p[key as keyof PipelineState] as string | number | Date | null;
  }
}

function assertNameFree(w: Writer, p: Pipeline): void {
  for (const other of w.table('pipelines').values())
    if (other.orgId === p.orgId && other.name === p.name && other.id !== p.id)
      throw new ConflictError('pipeline', 'name', p.name, undefined, p.orgId);
}

export function pipelineRepository(db: Db, sequences: Sequences): PipelineRepository {
  const findById = async (id: string) => {
    const row = db.read().table('pipelines').get(id);
    return row ? fromRow.pipeline(row) : null;
  };
  return {
    async nextSeq() {
      return sequences.next('pipeline');
    },
    async insert(pipeline) {
      await db.write((w) => {
        if (w.table('pipelines').has(pipeline.id)) throw new ConflictError('pipeline', 'id', pipeline.id);
        assertNameFree(w, pipeline);
        w.mutable('pipelines').set(pipeline.id, toRow.pipeline(pipeline));
      });
    },
    async update(pipeline) {
      await db.write((w) => {
        if (!w.table('pipelines').has(pipeline.id)) return;
        assertNameFree(w, pipeline);
        w.mutable('pipelines').set(pipeline.id, toRow.pipeline(pipeline));
      });
    },
    async delete(id) {
      await db.write((w) => deletePipelineCascade(w, id));
    },
    findById,
    // The transaction holds the store's lock, so a plain read is already exclusive.
    findByIdForUpdate: findById,
    findByIdForShare: findById,
    async findBySeq(seq) {
      for (const row of db.read().table('pipelines').values()) if (row.seq === seq) return fromRow.pipeline(row);
      return null;
    },
    async list(visibility, query) {
      const r = db.read();
      const rows = [...r.table('pipelines').values()].filter(
        (p) => isVisible(visibility, p) && matchQuery(EVAL_TYPES, evalRecord(r, p), query),
      );
      const page = paginate(
        sortRows(rows, query.sort, (p, key) => sortValue(r, p, key)),
        query.page,
      );
      return { items: page.items.map(fromRow.pipeline), total: page.total };
    },
    async *streamByName(visibility) {
      const rows = [...db.read().table('pipelines').values()].filter((p) => isVisible(visibility, p));
      rows.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
      for (const row of rows) yield fromRow.pipeline(row);
    },
    async seqsOf(visibility, ids) {
      const table = db.read().table('pipelines');
      const seqs = new Map<string, number>();
      for (const id of ids) {
        const row = table.get(id);
        if (row && isVisible(visibility, row)) seqs.set(id, row.seq);
      }
      return seqs;
    },
    async listScheduled() {
      const rows = [...db.read().table('pipelines').values()].filter((p) => p.enabled && p.schedule !== null);
      return rows.sort((a, b) => a.seq - b.seq).map(fromRow.pipeline);
    },
    async listByWorkflow(workflowId) {
      const rows = [...db.read().table('pipelines').values()].filter((p) => p.workflowId === workflowId);
      return rows.sort((a, b) => a.seq - b.seq).map(fromRow.pipeline);
    },
  };
}
