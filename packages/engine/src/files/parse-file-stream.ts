import { pipeline, Readable } from 'node:stream';
import { parse as csvParser } from 'csv-parse';
import { formatOf, isRecord, parseFile, UnreadableFileError, type ParsedFile } from './parse-file.js';

/**
 * Parses a file read in chunks, yielding its records in batches of at most `batchSize`:
 * CSV and NDJSON are parsed as the chunks arrive, so a large file never sits whole in memory;
 * a JSON document and any other file are read whole first (one file at a time, within the
 * upload's size cap). Unreadable records come with the batch they were met in. A file that
 * cannot be read at all (bad UTF-8, a broken CSV, invalid JSON) throws `UnreadableFileError`
 * when the fault is met: batches yielded before it stay yielded.
 */
export async function* parseFileStream(
  file: { name: string; mimeType?: string },
  chunks: AsyncIterable<Uint8Array>,
  batchSize: number,
): AsyncGenerator<ParsedFile> {
  const format = formatOf(file.name, file.mimeType);
  if (format === 'csv') yield* csvBatches(chunks, batchSize);
  else if (format === 'ndjson') yield* ndjsonBatches(chunks, batchSize);
  else yield* inBatches(parseFile(file, await collect(chunks)), batchSize);
}

async function collect(chunks: AsyncIterable<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}

function* inBatches(parsed: ParsedFile, batchSize: number): Generator<ParsedFile> {
  for (let start = 0; start < parsed.records.length || start === 0; start += batchSize)
    yield { records: parsed.records.slice(start, start + batchSize), unreadable: start === 0 ? parsed.unreadable : [] };
}

/** The text of UTF-8 chunks, decoded as they come (a split character waits for its next chunk). */
async function* utf8Text(chunks: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  const decode = (chunk?: Uint8Array) => {
    try {
      return chunk ? decoder.decode(chunk, { stream: true }) : decoder.decode();
    } catch {
      throw new UnreadableFileError('the file is not valid UTF-8 text');
    }
  };
  for await (const chunk of chunks) {
    const text = decode(chunk);
    if (text) yield text;
  }
  const rest = decode();
  if (rest) yield rest;
}

/** Collects records and unreadable reasons; `take` hands over a full batch (or what is left at the end). */
class BatchBuilder {
  private records: unknown[] = [];
  private unreadable: string[] = [];
  constructor(private readonly size: number) {}
  record(value: unknown): void {
    this.records.push(value);
  }
  fault(reason: string): void {
    this.unreadable.push(reason);
  }
  get full(): boolean {
    return this.records.length >= this.size;
  }
  take(): ParsedFile {
    const batch = { records: this.records, unreadable: this.unreadable };
    this.records = [];
    this.unreadable = [];
    return batch;
  }
}

async function* ndjsonBatches(chunks: AsyncIterable<Uint8Array>, batchSize: number): AsyncGenerator<ParsedFile> {
  const batch = new BatchBuilder(batchSize);
  let lineNo = 0;
  const line = (raw: string) => {
    lineNo++;
    const text = raw.trim();
    if (!text) return;
    try {
      const value = JSON.parse(text);
      if (isRecord(value)) batch.record(value);
      else batch.fault(`line ${lineNo} is not a JSON object`);
    } catch (e) {
      batch.fault(`line ${lineNo}: invalid JSON: ${(e as Error).message}`);
    }
  };
  let rest = '';
  let yielded = false;
  for await (const text of utf8Text(chunks)) {
    const lines = (rest + text).split('\n');
    rest = lines.pop()!;
    for (const l of lines) {
      line(l);
      if (batch.full) {
        yielded = true;
        yield batch.take();
      }
    }
  }
  if (rest) line(rest);
  const last = batch.take();
  if (!yielded || last.records.length || last.unreadable.length) yield last;
}

async function* csvBatches(chunks: AsyncIterable<Uint8Array>, batchSize: number): AsyncGenerator<ParsedFile> {
  const batch = new BatchBuilder(batchSize);
  const parser = csvParser({
    columns: true,
    bom: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (err) => {
      batch.fault(err ? `CSV ${err.message}` : 'CSV row could not be read');
    },
  });
  // The pipeline ends the parser with the source's error (bad UTF-8, a failed read), and the source when the parser stops.
  pipeline(Readable.from(utf8Text(chunks)), parser, () => {});
  let yielded = false;
  try {
    for await (const record of parser) {
      batch.record(record);
      if (batch.full) {
        yielded = true;
        yield batch.take();
      }
    }
  } catch (e) {
    if (e instanceof UnreadableFileError || !isCsvError(e)) throw e;
    throw new UnreadableFileError(`invalid CSV: ${(e as Error).message}`);
  }
  const last = batch.take();
  if (!yielded || last.records.length || last.unreadable.length) yield last;
}

const isCsvError = (e: unknown) =>
  typeof (e as { code?: unknown })?.code === 'string' && String((e as { code: string }).code).startsWith('CSV_');
