import type { Dirent } from 'node:fs';
import { readdir, readFile, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { isInside, resolveFolder, savedPathProblem, underBase } from '../file-root.js';
import type { FileSourceConnector, SourceFile } from '../types.js';

/**
 * Walks `folder` depth-first in name order, yielding files as paths relative to it.
 * Hidden entries (".name") are skipped; symlinks are followed only to files inside `root`,
 * never to folders (no loops, no escape).
 */
export async function* walk(root: string, folder: string, signal: AbortSignal, rel = ''): AsyncGenerator<string> {
  const entries: Dirent[] = await readdir(path.join(folder, rel), { withFileTypes: true });
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (signal.aborted) return;
    if (entry.name.startsWith('.')) continue;
    const child = rel ? `${rel}/${entry.name}` : entry.name;
    if (entry.isDirectory()) yield* walk(root, folder, signal, child);
    else if (entry.isFile()) yield child;
    else if (entry.isSymbolicLink()) {
      const target = await realpath(path.join(folder, child)).catch(() => null);
      if (target && isInside(root, target) && (await stat(target)).isFile()) yield child;
    }
  }
}

/** Files of a folder under the engine's file root, selected by a glob. */
export const filesystemSource: FileSourceConnector = {
  kind: 'files',
  name: 'filesystem',
  description: "Files in a folder under the server's file root, selected by a glob pattern.",
  connection: { kind: 'filesystem', required: false },
  settingsSchema: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          "Folder relative to the organization's folder of the file root (and to the filesystem connection's folder, if any).",
      },
      glob: {
        type: 'string',
        minLength: 1,
        default: '**/*',
        description: 'Which files, relative to the folder (e.g. "*.csv").',
      },
    },
    required: ['path'],
    additionalProperties: false,
  },
  check(settings, env) {
    const problem = savedPathProblem(env.fileRoot, settings.path);
    return problem ? [{ field: 'path', message: problem, code: 'invalid' }] : [];
  },
  usesFileHistory: () => true,
  async *files(settings, ctx) {
    const { root, folder } = await resolveFolder(ctx.fileRoot, underBase(ctx.connection?.settings.path, settings.path));
    const glob = (settings.glob as string | undefined) ?? '**/*';
    for await (const rel of walk(root, folder, ctx.signal)) {
      if (!path.posix.matchesGlob(rel, glob)) continue;
      const absolute = path.join(folder, rel);
      const file: SourceFile = {
        name: path.posix.basename(rel),
        path: path.relative(root, absolute).split(path.sep).join('/'),
        read: async () => {
          // Checked again when read: the tree may have changed since it was listed.
          const real = await realpath(absolute);
          if (!isInside(root, real)) throw new Error(`"${rel}" leads outside the file root.`);
          return readFile(real);
        },
      };
      yield file;
    }
  },
};
