import type { RecordBatch, RecordSourceConnector } from '../types.js';

const isRecord = (v: unknown) => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Records given in the workflow's settings, or with the trigger request (which win).
 * Values that are not objects are unreadable.
 */
export const inlineSource: RecordSourceConnector = {
  kind: 'records',
  name: 'inline',
  description: 'Records given in the workflow or with the run request.',
  settingsSchema: {
    type: 'object',
    properties: { records: { type: 'array', description: 'Records used when the run request gives none.' } },
    additionalProperties: false,
  },
  async *read(settings, ctx) {
    const records = ctx.run.input ?? (settings.records as unknown[] | undefined) ?? [];
    for (let start = 0; start < records.length; start += ctx.batchSize) {
      const batch: RecordBatch = { records: [], unreadable: [] };
      records.slice(start, start + ctx.batchSize).forEach((r, i) => {
        if (isRecord(r)) batch.records.push(r);
        else batch.unreadable!.push(`record ${start + i} is not a JSON object`);
      });
      yield batch;
    }
  },
};
