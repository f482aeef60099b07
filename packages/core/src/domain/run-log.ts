export const LOG_LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export function levelRank(level: LogLevel): number {
  return LOG_LEVELS.indexOf(level);
}

/** One log line of a run (a child entity of Run). */
export interface RunLog {
  id: string;
  runId: string;
  level: LogLevel;
  stage: string | null;
  message: string;
  fileExecutionId: string | null;
  time: Date;
}

export type FileExecutionStatus = 'PENDING' | 'EXECUTING' | 'COMPLETED' | 'ERROR' | 'STOPPED' | 'SKIPPED';

/** One file's passage through a run (a child entity of Run). */
export interface FileExecution {
  id: string;
  runId: string;
  fileName: string;
  filePath: string;
  cacheKey: string | null;
  status: FileExecutionStatus;
  error: string | null;
  executionTimeMs: number | null;
  createdAt: Date;
  updatedAt: Date;
}
