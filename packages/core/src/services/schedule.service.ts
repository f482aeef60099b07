import type { Pipeline } from '../domain/pipeline.js';
import type { Actor } from '../policies/actor.js';
import type { ScheduleFire } from '../ports/operations.js';
import type { Page, PageRequest } from '../ports/query.js';
import type { CoreDeps } from './context.js';
import type { PipelineService } from './pipeline.service.js';

/** A pipeline's schedule as it played out: the fire ledger and the next fire. */
export interface ScheduleFires {
  pipeline: Pipeline;
  nextFire: Date | null;
  fires: Page<ScheduleFire>;
}

/** Reads of the scheduler's side of pipelines (the fire ledger). */
export class ScheduleService {
  constructor(
    private readonly deps: Pick<CoreDeps, 'fireLedger'>,
    private readonly pipelines: PipelineService,
  ) {}

  /**
   * The pipeline's fires, newest first, with its next fire. NotFound when the actor may not
   * see the pipeline; an empty page when this server keeps no ledger (no scheduler).
   */
  async fires(actor: Actor, pipelineId: string, page: PageRequest): Promise<ScheduleFires> {
    const pipeline = await this.pipelines.get(actor, pipelineId);
    const ledger = this.deps.fireLedger;
    const fires = ledger ? await ledger.fires(pipeline.id, page) : { items: [], total: 0 };
    return { pipeline, nextFire: this.pipelines.nextRunTime(pipeline), fires };
  }
}
