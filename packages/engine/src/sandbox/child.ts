/*
 * Entry of a stage-sandbox child process: evaluates batches of records for the parent,
 * one request at a time, keeping compiled programs by their hash. Its heap is capped by
 * the parent (--max-old-space-size); a tenant expression that exhausts it, or that V8
 * refuses (an object over its size limits aborts the process), ends only this process.
 */
import { Worker } from 'node:worker_threads';
import { compileProgram, type CompiledProgram } from './program.js';
import type { FromChild, ToChild } from './protocol.js';

const MAX_PROGRAMS = 64;
const programs = new Map<string, CompiledProgram>();

function send(message: FromChild): void {
  process.send!(message);
}

function programFor(key: string, request: ToChild): CompiledProgram | null {
  let program = programs.get(key);
  if (program) {
    // Least recently used goes first when the cache is full.
    programs.delete(key);
    programs.set(key, program);
    return program;
  }
  if (!request.program) return null;
  program = compileProgram(request.program);
  programs.set(key, program);
  if (programs.size > MAX_PROGRAMS) programs.delete(programs.keys().next().value!);
  return program;
}

process.on('message', (message: ToChild) => {
  void (async () => {
    const { id } = message;
    try {
      const program = programFor(message.key, message);
      if (!program) return send({ type: 'missing', id });
      const result = await program.run(message.phase, message.records);
      send({ type: 'result', id, ...result });
    } catch (e) {
      send({ type: 'error', id, message: e instanceof Error ? e.message : String(e) });
    }
  })();
});

// The parent's channel closing means it is gone: do not linger.
process.on('disconnect', () => process.exit(0));
// … and when this thread is stuck in a tenant's loop it cannot hear that: a watchdog thread
// ends the process once the parent is gone (its parent pid changes), so no orphan burns CPU.
new Worker(
  `const parent = ${process.ppid};
   setInterval(() => { if (process.ppid !== parent) process.kill(process.pid, 'SIGKILL'); }, 1000);`,
  { eval: true },
).unref();
send({ type: 'ready' });
