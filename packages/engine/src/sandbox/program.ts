import type { ValidateFunction } from 'ajv';
import { compileSchema, createAjv } from '../stages/json-schema.js';
import { compileExpression, type Expression } from '../stages/jsonata-expression.js';
import type { StageOutcome } from '../stages/record-stage.js';
import { filterRecord, transformRecord, validateRecord } from '../stages/record-outcomes.js';
import type { EvaluateResult, MiddleStage, Phase, SandboxProgram } from './protocol.js';

/*
 * The evaluating side of the sandbox: compiles a program and runs records through it with
 * StageChain's semantics (the same record-outcome functions). Loaded by the child process;
 * it must not import @pipewright/core or anything that does at run time.
 */

interface Step {
  stage: MiddleStage;
  apply(record: unknown): StageOutcome | Promise<StageOutcome>;
}

export interface CompiledProgram {
  run(phase: Phase, records: unknown[]): Promise<Omit<EvaluateResult, 'type' | 'id'>>;
}

/** Compiles the program's schemas and expressions; throws on the first that does not compile. */
export function compileProgram(program: SandboxProgram): CompiledProgram {
  const ajv = createAjv();
  const steps: Step[] = [];
  const schema = (stage: MiddleStage, s: Record<string, unknown> | undefined) => {
    if (!s) return;
    const validate: ValidateFunction = compileSchema(ajv, s);
    steps.push({ stage, apply: (r) => validateRecord(validate, r) });
  };
  schema(1, program.inputSchema);
  if (program.filter) {
    const e: Expression = compileExpression(program.filter);
    steps.push({ stage: 2, apply: (r) => filterRecord(e, r) });
  }
  if (program.transformation) {
    const e: Expression = compileExpression(program.transformation);
    steps.push({ stage: 3, apply: (r) => transformRecord(e, r) });
  }
  schema(4, program.outputSchema);
  const phases: Record<Phase, Step[]> = {
    all: steps,
    pre: steps.filter((s) => s.stage <= 3),
    post: steps.filter((s) => s.stage === 4),
  };
  return {
    async run(phase, records) {
      const counts: EvaluateResult['counts'] = [];
      const failures: EvaluateResult['failures'] = [];
      let current = records;
      for (const step of phases[phase]) {
        const survivors: unknown[] = [];
        for (const record of current) {
          const r = step.apply(record);
          const outcome = r instanceof Promise ? await r : r;
          if (outcome.ok) survivors.push(outcome.record);
          else failures.push({ stage: step.stage, reason: outcome.reason });
        }
        counts.push({ stage: step.stage, passed: survivors.length, failed: current.length - survivors.length });
        current = survivors;
      }
      return { records: current, counts, failures };
    },
  };
}
