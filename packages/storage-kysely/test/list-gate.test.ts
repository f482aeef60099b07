import { describe, expect, it } from '@jest/globals';
import { UnavailableError, type Repositories } from '@pipewright/core';
import { ListGate, gateLists } from '../src/list-gate.js';
import { withQueryScope } from '../src/query-scope.js';

const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A repository whose `list` calls stay open until released, counting how many run at once. */
function slowLists() {
  const open: Array<() => void> = [];
  const state = { running: 0, most: 0, calls: [] as unknown[] };
  const repository = {
    list(first: unknown) {
      state.calls.push(first);
      state.running++;
      state.most = Math.max(state.most, state.running);
      return new Promise<string>((resolve) =>
        open.push(() => {
          state.running--;
          resolve(`listed ${JSON.stringify(first)}`);
        }),
      );
    },
    findById: () => 'untouched',
  };
  return { repository, open, state };
}

describe('ListGate', () => {
  it("runs at most perKey lists of one organization at once in a query scope, others' freely", async () => {
    const { repository, open, state } = slowLists();
    const repos = gateLists({ pipelines: repository } as unknown as Repositories, new ListGate(1));
    const signal = new AbortController().signal;
    const pipelines = repos.pipelines as unknown as typeof repository;
    const a1 = withQueryScope(signal, () => pipelines.list({ orgId: 'a' }));
    const a2 = withQueryScope(signal, () => pipelines.list({ orgId: 'a' }));
    const b1 = withQueryScope(signal, () => pipelines.list('b'));
    await tick();
    expect(state.running).toBe(2); // a1 and b1; a2 waits
    open.shift()!();
    await expect(a1).resolves.toBe('listed {"orgId":"a"}');
    await tick();
    expect(state.running).toBe(2); // b1 and a2
    open.splice(0).forEach((release) => release());
    await expect(Promise.all([a2, b1])).resolves.toEqual(['listed {"orgId":"a"}', 'listed "b"']);
    expect(pipelines.findById()).toBe('untouched');
  });

  it('does not gate work outside a query scope', async () => {
    const { repository, open, state } = slowLists();
    const pipelines = gateLists({ pipelines: repository } as unknown as Repositories, new ListGate(1))
      .pipelines as unknown as typeof repository;
    const both = Promise.all([pipelines.list({ orgId: 'a' }), pipelines.list({ orgId: 'a' })]);
    await tick();
    expect(state.running).toBe(2);
    open.splice(0).forEach((release) => release());
    await both;
  });

  it('lets a waiting list leave the queue when its signal aborts', async () => {
    const { repository, open, state } = slowLists();
    const pipelines = gateLists({ pipelines: repository } as unknown as Repositories, new ListGate(1))
      .pipelines as unknown as typeof repository;
    const first = withQueryScope(new AbortController().signal, () => pipelines.list({ orgId: 'a' }));
    const controller = new AbortController();
    const waiting = withQueryScope(controller.signal, () => pipelines.list({ orgId: 'a' }));
    await tick();
    controller.abort();
    await expect(waiting).rejects.toBeInstanceOf(UnavailableError);
    open.shift()!();
    await first;
    expect(state.calls).toHaveLength(1);
    // The lane is free again.
    const next = withQueryScope(new AbortController().signal, () => pipelines.list({ orgId: 'a' }));
    await tick();
    open.shift()!();
    await expect(next).resolves.toBeDefined();
  });
});
