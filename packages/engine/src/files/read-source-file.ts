import { createHash } from 'node:crypto';
import type { SourceFile } from '../connectors/types.js';
import { parseFileStream } from './parse-file-stream.js';
import { UnreadableFileError, type ParsedFile } from './parse-file.js';

/** Reading the file's bytes failed (not their content): the file counts as unreadable, the run goes on. */
export class FileReadError extends Error {}

/** A source file's bytes in chunks: its `stream` when it has one, else its `read` as one chunk. */
async function* chunksOf(file: SourceFile): AsyncGenerator<Uint8Array> {
  let chunks: AsyncIterator<Uint8Array>;
  try {
    chunks = file.stream
      ? file.stream()[Symbol.asyncIterator]()
      : (async function* () {
          yield await file.read();
        })();
  } catch (e) {
    throw new FileReadError((e as Error).message ?? String(e));
  }
  try {
    for (;;) {
      let next: IteratorResult<Uint8Array>;
      try {
        next = await chunks.next();
      } catch (e) {
        throw new FileReadError((e as Error).message ?? String(e));
      }
      if (next.done) return;
      yield next.value;
    }
  } finally {
    await chunks.return?.();
  }
}

/** The SHA-256 of a file's content (hex), read chunk by chunk; throws `FileReadError`. */
export async function hashSourceFile(file: SourceFile): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of chunksOf(file)) hash.update(chunk);
  return hash.digest('hex');
}

/**
 * A file's records in batches of at most `batchSize` (at least one batch, maybe empty). A file
 * that cannot be read or parsed ends with a batch carrying one unreadable reason, prefixed by
 * its path; batches before the fault stay as they were.
 */
export async function* sourceFileBatches(file: SourceFile, batchSize: number): AsyncGenerator<ParsedFile> {
  try {
    yield* parseFileStream(file, chunksOf(file), batchSize);
  } catch (e) {
    if (e instanceof FileReadError)
      yield { records: [], unreadable: [`${file.path}: cannot read the file: ${e.message}`] };
    else if (e instanceof UnreadableFileError) yield { records: [], unreadable: [`${file.path}: ${e.message}`] };
    else throw e;
  }
}
