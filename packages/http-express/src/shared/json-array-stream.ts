import type { Response } from 'express';

export interface JsonArrayStream<T> {
  /** Text written before the first element, e.g. `{"runs":[`. */
  head: string;
  /** Text written after the last element, e.g. `]}\n`. */
  tail: string;
  items: AsyncIterable<T>;
  /** Turns one item into the value serialized as an array element. */
  render: (item: T) => unknown | Promise<unknown>;
  /** Response headers (status is always 200). */
  headers: Record<string, string>;
  /** Bytes buffered before a write; larger batches mean fewer syscalls, smaller ones less memory. */
  chunkBytes?: number;
}

/** Resolves true once the response can take more data, false when the client went away. */
function drained(res: Response): Promise<boolean> {
  return new Promise((resolve) => {
    const done = (ok: boolean) => {
      res.off('drain', onDrain);
      res.off('close', onClose);
      resolve(ok);
    };
    const onDrain = () => done(true);
    const onClose = () => done(false);
    res.once('drain', onDrain);
    res.once('close', onClose);
  });
}

/**
 * Writes `head`, every item as a JSON array element, then `tail`, honouring back-pressure
 * (waits for `drain`), so a list of millions is served in flat memory.
 *
 * The first item is read before anything is written: an error there (a lost database, a
 * policy error) still reaches the dialect's error handler as a normal error response.
 * An error after the headers went out can only end the connection; it is logged, not thrown.
 */
export async function streamJsonArray<T>(res: Response, stream: JsonArrayStream<T>): Promise<void> {
  const iterator = stream.items[Symbol.asyncIterator]();
  let next = await iterator.next();
  const first = next.done ? undefined : await stream.render(next.value);

  res.status(200);
  for (const [name, value] of Object.entries(stream.headers)) res.setHeader(name, value);
  const limit = stream.chunkBytes ?? 64 * 1024;
  let buffer = stream.head;
  let count = 0;

  const flush = async (): Promise<boolean> => {
    if (res.destroyed) return false;
    const ok = res.write(buffer);
    buffer = '';
    return ok || (await drained(res));
  };

  try {
    if (!next.done) {
      buffer += JSON.stringify(first);
      count++;
      for (;;) {
        if (buffer.length >= limit && !(await flush())) {
          await iterator.return?.();
          return;
        }
        next = await iterator.next();
        if (next.done) break;
        // Await only real promises: a million elements should not make a million of them.
        const value = stream.render(next.value);
        buffer += (count++ ? ',' : '') + JSON.stringify(value instanceof Promise ? await value : value);
      }
    }
    buffer += stream.tail;
    res.end(buffer);
  } catch (err) {
    (res.req as { log?: { error(o: object, m: string): void } } | undefined)?.log?.error(
      { err },
      'stream failed after the response started',
    );
    await iterator.return?.().catch(() => undefined);
    res.destroy(err as Error);
  }
}
