import { parse as parseCsv } from 'csv-parse/sync';

/** The records read from one file, and the parts that could not be read. */
export interface ParsedFile {
  records: unknown[];
  /** One reason per unreadable record (they count as failed in Receive). */
  unreadable: string[];
}

/** The whole file could not be read (bad JSON, broken CSV): it counts as one failed record in Receive. */
export class UnreadableFileError extends Error {}

export type FileFormat = 'json' | 'ndjson' | 'csv' | 'other';

/** Decides the format from the extension, then the MIME type. */
export function formatOf(name: string, mimeType?: string): FileFormat {
  const ext = /\.([^./\\]+)$/.exec(name)?.[1]?.toLowerCase();
  if (ext === 'json') return 'json';
  if (ext === 'ndjson' || ext === 'jsonl') return 'ndjson';
  if (ext === 'csv') return 'csv';
  const mime = mimeType?.split(';')[0]?.trim().toLowerCase();
  if (mime === 'application/json') return 'json';
  if (mime === 'application/x-ndjson' || mime === 'application/jsonl') return 'ndjson';
  if (mime === 'text/csv') return 'csv';
  return 'other';
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Parses a file into records:
 * - `.json`: an array of objects (or a single object);
 * - `.ndjson`/`.jsonl`: one object per non-empty line; a bad line is one unreadable record;
 * - `.csv`: a header row, then one object of strings per row; a malformed row is unreadable;
 * - anything else: one record `{fileName, mimeType, encoding, content}` with the text
 *   (UTF-8) or, for binary content, base64.
 * Values that are not objects are unreadable records: destinations expect objects.
 */
export function parseFile(file: { name: string; mimeType?: string }, content: Uint8Array): ParsedFile {
  switch (formatOf(file.name, file.mimeType)) {
    case 'json':
      return parseJson(decodeUtf8(content));
    case 'ndjson':
      return parseNdjson(decodeUtf8(content));
    case 'csv':
      return parseCsvText(decodeUtf8(content));
    case 'other':
      return { records: [wholeFile(file, content)], unreadable: [] };
  }
}

function decodeUtf8(content: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(content);
  } catch {
    throw new UnreadableFileError('the file is not valid UTF-8 text');
  }
}

function parseJson(text: string): ParsedFile {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw new UnreadableFileError(`invalid JSON: ${(e as Error).message}`);
  }
  return splitObjects(Array.isArray(value) ? value : [value], (i) => `item ${i}`);
}

function parseNdjson(text: string): ParsedFile {
  const records: unknown[] = [];
  const unreadable: string[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (!line) continue;
    try {
      const value = JSON.parse(line);
      if (isRecord(value)) records.push(value);
      else unreadable.push(`line ${i + 1} is not a JSON object`);
    } catch (e) {
      unreadable.push(`line ${i + 1}: invalid JSON: ${(e as Error).message}`);
    }
  }
  return { records, unreadable };
}

function parseCsvText(text: string): ParsedFile {
  const unreadable: string[] = [];
  try {
    const records = parseCsv(text, {
      columns: true,
      bom: true,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err) => {
        unreadable.push(err ? `CSV ${err.message}` : 'CSV row could not be read');
      },
    }) as unknown[];
    return { records, unreadable };
  } catch (e) {
    throw new UnreadableFileError(`invalid CSV: ${(e as Error).message}`);
  }
}

function splitObjects(values: unknown[], label: (i: number) => string): ParsedFile {
  const records: unknown[] = [];
  const unreadable: string[] = [];
  values.forEach((v, i) => (isRecord(v) ? records.push(v) : unreadable.push(`${label(i)} is not a JSON object`)));
  return { records, unreadable };
}

function wholeFile(file: { name: string; mimeType?: string }, content: Uint8Array): Record<string, unknown> {
  const base = { fileName: file.name, mimeType: file.mimeType ?? null };
  try {
    return { ...base, encoding: 'utf-8', content: new TextDecoder('utf-8', { fatal: true }).decode(content) };
  } catch {
    return { ...base, encoding: 'base64', content: Buffer.from(content).toString('base64') };
  }
}
