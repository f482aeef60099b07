import { expect } from '@jest/globals';
import { ConflictError, RunInProgressError } from '@pipewright/core';

/** Names of the items, sorted, to compare result sets whatever their order. */
export function nameSet(items: readonly { name: string }[]): string[] {
  return items.map((i) => i.name).sort();
}

export function idSet(items: readonly { id: string }[]): string[] {
  return items.map((i) => i.id).sort();
}

/** A state with its id lists sorted, since link order is not part of the contract. */
export function comparable<T extends object>(state: T): T {
  const out: Record<string, unknown> = { ...(state as Record<string, unknown>) };
  for (const key of ['tagIds', 'sharedUserIds', 'linkedPipelineIds'])
    if (Array.isArray(out[key])) out[key] = [...(out[key] as string[])].sort();
  return out as T;
}

export async function expectConflict(promise: Promise<unknown>, field?: string): Promise<ConflictError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConflictError);
  if (field !== undefined) expect((error as ConflictError).field).toBe(field);
  return error as ConflictError;
}

export async function expectRunInProgress(promise: Promise<unknown>, pipelineId: string): Promise<void> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RunInProgressError);
  expect((error as RunInProgressError).pipelineId).toBe(pipelineId);
}

type Sortable = string | number | Date | null | undefined;

/** Not `instanceof`: a Date may come from another realm (structuredClone in jest's sandbox). */
function isDate(value: unknown): value is Date {
  return Object.prototype.toString.call(value) === '[object Date]';
}

function compare(a: Sortable, b: Sortable): number {
  const x = isDate(a) ? a.getTime() : a;
  const y = isDate(b) ? b.getTime() : b;
  return x === y ? 0 : (x as string | number) < (y as string | number) ? -1 : 1;
}

/**
 * The order the storage semantics define: each key in turn (NULLs last in both
 * directions), then id ascending. `valueOf` reads a key's value from the test's own data.
 */
export function expectedOrder<T extends { id: string }>(
  items: readonly T[],
  keys: ReadonlyArray<{ field: string; direction: 'asc' | 'desc' }>,
  valueOf: (item: T, field: string) => Sortable,
): string[] {
  return [...items]
    .sort((a, b) => {
      for (const key of keys) {
        const x = valueOf(a, key.field);
        const y = valueOf(b, key.field);
        const xNull = x === null || x === undefined;
        const yNull = y === null || y === undefined;
        if (xNull || yNull) {
          if (xNull && yNull) continue;
          return xNull ? 1 : -1;
        }
        const c = compare(x, y);
        if (c !== 0) return key.direction === 'asc' ? c : -c;
      }
      return compare(a.id, b.id);
    })
    .map((i) => i.id);
}
