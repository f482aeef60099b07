#!/usr/bin/env node
import { runMigrate } from './migrate-command.js';

// `migrate`: brings the storage schema up to date, then exits (see migrate-command.ts for the environment).
runMigrate(process.env).then(
  (message) => console.log(message),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  },
);
