import {
  levelRank,
  type Clock,
  type IdGenerator,
  type LogLevel,
  type RunLifecycle,
  type RunLog,
} from '@pipewright/core';

/** Where log lines go; `RunLifecycle.log` in the engine. */
export type LogSink = Pick<RunLifecycle, 'log'>;

const FLUSH_AT = 200;

/**
 * A run's log, buffered so a busy run writes lines in batches rather than one statement
 * per line. Flushed by the executor on every heartbeat and when the run ends.
 */
export class RunLogger {
  private buffer: RunLog[] = [];
  private flushing: Promise<void> = Promise.resolve();
  private lastTime = 0;
  private redactor: ((text: string) => string) | null = null;

  constructor(
    private readonly runId: string,
    private readonly sink: LogSink,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    /** Lines below this level are dropped. */
    private readonly minLevel: LogLevel = 'DEBUG',
  ) {}

  /** From now on every line passes through `redact` (the run's connection secrets masked). */
  redactWith(redact: (text: string) => string): void {
    this.redactor = redact;
  }

  /** `text` as this logger would log it (secrets masked). */
  redact(text: string): string {
    return this.redactor ? this.redactor(text) : text;
  }

  debug(stage: string | null, message: string, fileExecutionId: string | null = null): void {
    this.add('DEBUG', stage, message, fileExecutionId);
  }
  info(stage: string | null, message: string, fileExecutionId: string | null = null): void {
    this.add('INFO', stage, message, fileExecutionId);
  }
  warn(stage: string | null, message: string, fileExecutionId: string | null = null): void {
    this.add('WARN', stage, message, fileExecutionId);
  }
  error(stage: string | null, message: string, fileExecutionId: string | null = null): void {
    this.add('ERROR', stage, message, fileExecutionId);
  }

  add(level: LogLevel, stage: string | null, message: string, fileExecutionId: string | null = null): void {
    if (levelRank(level) < levelRank(this.minLevel)) return;
    // Logs are read back ordered by time: lines of one millisecond get the next one, to keep their order.
    this.lastTime = Math.max(this.clock.now().getTime(), this.lastTime + 1);
    this.buffer.push({
      id: this.ids.uuid(),
      runId: this.runId,
      level,
      stage,
      message: this.redact(message),
      fileExecutionId,
      time: new Date(this.lastTime),
    });
    if (this.buffer.length >= FLUSH_AT) void this.flush().catch(() => {});
  }

  /** Writes the buffered lines; flushes run one after another so lines keep their order. */
  flush(): Promise<void> {
    const lines = this.buffer;
    this.buffer = [];
    this.flushing = this.flushing.catch(() => {}).then(() => (lines.length ? this.sink.log(lines) : undefined));
    return this.flushing;
  }
}
