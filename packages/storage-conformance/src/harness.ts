import { afterAll, beforeAll } from '@jest/globals';
import type { Storage } from '@pipewright/core';
import { Fixtures } from './fixtures.js';

/** What an adapter's test hands the kit: a fresh, empty storage (and how to dispose of it). */
export type StorageFactory = () => Promise<{ storage: Storage; cleanup?: () => Promise<void> }>;

/** Generous, because a factory may create a schema and run migrations. */
const SETUP_TIMEOUT_MS = 60_000;

export interface SuiteContext {
  readonly storage: Storage;
  readonly fx: Fixtures;
}

/**
 * Registers, in the enclosing `describe`, one storage for all its tests: created before
 * the first, closed (then `cleanup` called) after the last. Tests keep apart by creating
 * their own organization, so one storage per describe is enough.
 */
export function useStorage(factory: StorageFactory): SuiteContext {
  let current: { storage: Storage; cleanup?: () => Promise<void> } | undefined;
  let fixtures: Fixtures | undefined;
  beforeAll(async () => {
    current = await factory();
    fixtures = new Fixtures(current.storage);
  }, SETUP_TIMEOUT_MS);
  afterAll(async () => {
    if (!current) return;
    await current.storage.close();
    await current.cleanup?.();
  }, SETUP_TIMEOUT_MS);
  return {
    get storage() {
      if (!current) throw new Error('The storage is created in beforeAll; use it inside tests only.');
      return current.storage;
    },
    get fx() {
      if (!fixtures) throw new Error('The fixtures are created in beforeAll; use them inside tests only.');
      return fixtures;
    },
  };
}

/** A registration function per area; each declares its own describe blocks. */
export type Suite = (factory: StorageFactory) => void;
