import { realpathSync } from 'node:fs';
import { mkdir, realpath } from 'node:fs/promises';
import path from 'node:path';

/** Thrown at run time when a path would leave the file root. */
export class OutsideFileRootError extends Error {}

/** Whether `child` is `parent` or inside it (both absolute and normalized). */
export function isInside(parent: string, child: string): boolean {
  const rel = path.relative(parent, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/** A folder setting's lexical problem (absolute, or with `..`), or null. */
export function lexicalPathProblem(value: unknown): string | null {
  if (typeof value !== 'string') return 'Must be a path relative to the file root.';
  if (path.isAbsolute(value) || path.win32.isAbsolute(value) || /^[A-Za-z]:/.test(value) || value.startsWith('\\'))
    return 'Must be a path relative to the file root, not an absolute path.';
  if (value.split(/[\\/]+/).includes('..')) return 'Must not contain "..": paths stay inside the file root.';
  if (value.includes('\0')) return 'Must not contain a NUL character.';
  return null;
}

/**
 * Checks a folder setting when a workflow is saved, lexically: relative and without `..`
 * (the organization's folder a run resolves it in is not known yet). Returns the problem or null.
 */
export function savedPathProblem(root: string | null, value: unknown): string | null {
  if (root === null) return 'Filesystem connectors are disabled: no file root is configured.';
  return lexicalPathProblem(value);
}

/** A folder setting under the optional base folder of a `filesystem` connection (both relative). */
export function underBase(base: unknown, value: unknown): unknown {
  if (base === undefined || base === null || base === '') return value;
  if (typeof value !== 'string') return value;
  return path.posix.join(String(base), value);
}

/**
 * Checks a folder setting at run time: relative, without `..`, and, when it exists
 * already, not a symlink that leads out of the root. Returns the problem or null.
 */
export function pathProblem(root: string | null, value: unknown): string | null {
  if (root === null) return 'Filesystem connectors are disabled: no file root is configured.';
  const lexical = lexicalPathProblem(value);
  if (lexical) return lexical;
  if (typeof value !== 'string') return 'Must be a path relative to the file root.';
  const target = path.resolve(root, value);
  if (!isInside(path.resolve(root), target)) return 'Must stay inside the file root.';
  try {
    if (!isInside(realpathSync(root), realpathSync(target)))
      return 'Leads outside the file root (through a symbolic link).';
  } catch {
    // Does not exist yet: it is checked again when a run uses it.
  }
  return null;
}

/**
 * Resolves a folder setting at run time to a real path inside the root (the run's
 * organization's folder, created on demand), following symlinks, creating the folder when
 * asked. Throws OutsideFileRootError otherwise.
 */
export async function resolveFolder(
  root: string | null,
  value: unknown,
  options: { create?: boolean } = {},
): Promise<{ root: string; folder: string }> {
  if (root !== null) await mkdir(root, { recursive: true });
  const problem = pathProblem(root, value);
  if (problem) throw new OutsideFileRootError(problem);
  const target = path.resolve(root!, value as string);
  if (options.create) await mkdir(target, { recursive: true });
  const realRoot = await realpath(root!);
  const realTarget = await realpath(target);
  if (!isInside(realRoot, realTarget))
    throw new OutsideFileRootError(`"${String(value)}" leads outside the file root.`);
  return { root: realRoot, folder: realTarget };
}
