import { mkdir, open, rename, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { isInside, resolveFolder, savedPathProblem, underBase } from '../file-root.js';
import type { DestinationConnector, FileRef } from '../types.js';

type Format = 'json' | 'ndjson';

/** One output file being written; it keeps a `.partial` name until it is complete. */
class OutputFile {
  private count = 0;
  private constructor(
    private readonly handle: FileHandle,
    private readonly partial: string,
    private readonly final: string,
    private readonly format: Format,
  ) {}

  static async open(final: string, format: Format): Promise<OutputFile> {
    await mkdir(path.dirname(final), { recursive: true });
    const partial = `${final}.partial`;
    const out = new OutputFile(await open(partial, 'w'), partial, final, format);
    if (format === 'json') await out.handle.write('[');
    return out;
  }

  async append(records: unknown[]): Promise<void> {
    let text = '';
    for (const r of records) {
      text +=
        this.format === 'ndjson' ? `${JSON.stringify(r)}\n` : `${this.count > 0 ? ',' : ''}\n${JSON.stringify(r)}`;
      this.count++;
    }
    await this.handle.write(text);
  }

  /** Completes the file and gives it its final name. */
  async finish(): Promise<void> {
    if (this.format === 'json') await this.handle.write(this.count > 0 ? '\n]\n' : ']\n');
    await this.handle.close();
    await rename(this.partial, this.final);
  }
}

/** The output name: the source file's path with a new extension, or the run id for record sources. */
export function outputName(file: FileRef | null, runId: string, format: Format): string {
  if (!file) return `${runId}.${format}`;
  const parsed = path.posix.parse(file.path);
  return path.posix.join(parsed.dir, `${parsed.name}.${format}`);
}

/**
 * Writes records as files in a folder under the file root: one file per source file
 * (same relative path, extension `.json` or `.ndjson`), or one per run for record sources.
 * `json` writes an array, `ndjson` one object per line.
 */
export const filesystemDestination: DestinationConnector = {
  name: 'filesystem',
  description: "JSON or NDJSON files in a folder under the server's file root.",
  connection: { kind: 'filesystem', required: false },
  settingsSchema: {
    type: 'object',
    properties: {
      path: {
        type: 'string',
        minLength: 1,
        description:
          "Folder relative to the organization's folder of the file root (and to the filesystem connection's folder, if any); created when missing.",
      },
      format: { enum: ['json', 'ndjson'], default: 'ndjson' },
    },
    required: ['path'],
    additionalProperties: false,
  },
  check(settings, env) {
    const problem = savedPathProblem(env.fileRoot, settings.path);
    return problem ? [{ field: 'path', message: problem, code: 'invalid' }] : [];
  },
  async open(settings, ctx) {
    const { folder } = await resolveFolder(ctx.fileRoot, underBase(ctx.connection?.settings.path, settings.path), {
      create: true,
    });
    const format = (settings.format as Format | undefined) ?? 'ndjson';
    const outputs = new Map<string, OutputFile>();
    const keyOf = (file: FileRef | null) => file?.path ?? '';
    return {
      async write(records, file) {
        let out = outputs.get(keyOf(file));
        if (!out) {
          const target = path.resolve(folder, outputName(file, ctx.run.id, format));
          if (!isInside(folder, target)) throw new Error(`Output for "${file?.path}" would leave the folder.`);
          out = await OutputFile.open(target, format);
          outputs.set(keyOf(file), out);
        }
        await out.append(records);
        return { failed: [] };
      },
      async endFile(file) {
        const out = outputs.get(keyOf(file));
        outputs.delete(keyOf(file));
        await out?.finish();
      },
      async close() {
        // What was written is complete JSON, also when the run stopped early.
        const open = [...outputs.values()];
        outputs.clear();
        for (const out of open) await out.finish();
      },
    };
  },
};
