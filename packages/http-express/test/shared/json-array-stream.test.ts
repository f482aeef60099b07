import { EventEmitter } from 'node:events';
import type { Response } from 'express';
import { streamJsonArray } from '../../src/shared/json-array-stream.js';

/** A response that records writes and refuses more data until the test emits `drain`. */
class FakeResponse extends EventEmitter {
  chunks: string[] = [];
  ended: string | null = null;
  destroyed = false;
  destroyedWith: unknown = null;
  statusCode = 0;
  headers: Record<string, string> = {};
  acceptWrites = false;
  status(code: number) {
    this.statusCode = code;
    return this;
  }
  setHeader(name: string, value: string) {
    this.headers[name] = value;
  }
  write(chunk: string) {
    this.chunks.push(chunk);
    return this.acceptWrites;
  }
  end(chunk: string) {
    this.ended = chunk;
  }
  destroy(err: unknown) {
    this.destroyed = true;
    this.destroyedWith = err;
  }
}

/** An iterable that counts how far it was read and whether it was closed early. */
function counted(n: number, failAt?: number) {
  const state = { pulled: 0, returned: false };
  const items: AsyncIterable<number> = {
    [Symbol.asyncIterator]() {
      return {
        next: async () => {
          if (failAt !== undefined && state.pulled === failAt) throw new Error('storage failed');
          return state.pulled < n ? { value: state.pulled++, done: false } : { value: undefined, done: true };
        },
        return: async () => {
          state.returned = true;
          return { value: undefined, done: true };
        },
      };
    },
  };
  return { items, state };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
const asRes = (r: FakeResponse) => r as unknown as Response;

describe('streamJsonArray', () => {
  it('writes head, elements and tail as one JSON document', async () => {
    const res = new FakeResponse();
    res.acceptWrites = true;
    const { items } = counted(5);
    await streamJsonArray(asRes(res), {
      head: '{"runs":[',
      tail: ']}\n',
      items,
      render: (n) => ({ n }),
      headers: { 'Content-Type': 'application/json' },
      chunkBytes: 1,
    });
    const text = res.chunks.join('') + res.ended;
    expect(JSON.parse(text)).toEqual({ runs: [0, 1, 2, 3, 4].map((n) => ({ n })) });
    expect([res.statusCode, res.headers['Content-Type']]).toEqual([200, 'application/json']);
  });

  it('writes an empty list', async () => {
    const res = new FakeResponse();
    await streamJsonArray(asRes(res), { head: '[', tail: ']', items: counted(0).items, render: (n) => n, headers: {} });
    expect(res.chunks.join('') + res.ended).toBe('[]');
  });

  it('stops reading while the client is not keeping up, and resumes on drain', async () => {
    const res = new FakeResponse();
    const { items, state } = counted(100);
    const done = streamJsonArray(asRes(res), {
      head: '[',
      tail: ']',
      items,
      render: (n) => n,
      headers: {},
      chunkBytes: 1,
    });
    await tick();
    await tick();
    const pulledWhileBlocked = state.pulled;
    expect(res.chunks).toHaveLength(1);
    await tick();
    expect(state.pulled).toBe(pulledWhileBlocked);
    res.acceptWrites = true;
    res.emit('drain');
    await done;
    expect(state.pulled).toBe(100);
    expect(JSON.parse(res.chunks.join('') + res.ended)).toHaveLength(100);
  });

  it('closes the source when the client goes away', async () => {
    const res = new FakeResponse();
    const { items, state } = counted(100);
    const done = streamJsonArray(asRes(res), {
      head: '[',
      tail: ']',
      items,
      render: (n) => n,
      headers: {},
      chunkBytes: 1,
    });
    await tick();
    res.emit('close');
    await done;
    expect(state.returned).toBe(true);
    expect(res.ended).toBeNull();
  });

  it('lets an error before the first element reach the caller (a normal error response)', async () => {
    const res = new FakeResponse();
    await expect(
      streamJsonArray(asRes(res), { head: '[', tail: ']', items: counted(3, 0).items, render: (n) => n, headers: {} }),
    ).rejects.toThrow('storage failed');
    expect([res.statusCode, res.chunks.length]).toEqual([0, 0]);
  });

  it('ends the connection on an error after the response started', async () => {
    const res = new FakeResponse();
    res.acceptWrites = true;
    const { items } = counted(10, 4);
    await streamJsonArray(asRes(res), { head: '[', tail: ']', items, render: (n) => n, headers: {}, chunkBytes: 1 });
    expect(res.destroyed).toBe(true);
    expect(res.ended).toBeNull();
  });
});
