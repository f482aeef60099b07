import { NotFoundError } from '../errors/domain-error.js';
import type { Pipeline } from '../domain/pipeline.js';
import type { Run } from '../domain/run.js';
import type { Tag } from '../domain/tag.js';
import type { Role, User } from '../domain/user.js';
import { isUuid } from '../domain/validate.js';
import type { Actor } from '../policies/actor.js';
import type { AdminService } from './admin.service.js';
import type { AuthService, Principal } from './auth.service.js';
import type { PipelineService } from './pipeline.service.js';
import type { RunService } from './run.service.js';
import type { TagService } from './tag.service.js';

/** What was found, with the principal's actor in the organization that holds it. */
export interface Located<T> {
  actor: Actor;
  value: T;
}

/**
 * Lookups across every organization a principal may act in, for APIs whose ids are global
 * (ZenML's): each service looks an entity up within one organization, so the principal's
 * organizations are tried in order (the default one first) and the first that holds the
 * entity answers. NotFound (naming the entity and the id asked for) when none does; any
 * other failure passes through.
 */
export class LocateService {
  constructor(
    private readonly auth: AuthService,
    private readonly services: { pipelines: PipelineService; runs: RunService; tags: TagService; admin: AdminService },
  ) {}

  pipeline(principal: Principal, id: string): Promise<Located<Pipeline>> {
    return this.find(principal, 'Pipeline', id, (actor) => this.services.pipelines.get(actor, id));
  }

  run(principal: Principal, id: string): Promise<Located<Run>> {
    return this.find(principal, 'Run', id, (actor) => this.services.runs.get(actor, id));
  }

  /** A tag by name or id. */
  tag(principal: Principal, nameOrId: string): Promise<Located<Tag>> {
    return this.find(principal, 'Tag', nameOrId, (actor) => this.services.tags.get(actor, nameOrId));
  }

  /** A member of one of the principal's organizations, by user id or email. */
  member(principal: Principal, idOrEmail: string): Promise<Located<{ user: User; role: Role }>> {
    return this.find(principal, 'User', idOrEmail, (actor) =>
      isUuid(idOrEmail)
        ? this.services.admin.getUser(actor, idOrEmail.toLowerCase())
        : this.services.admin.getUserByEmail(actor, idOrEmail),
    );
  }

  /** Runs `find` as the principal in each of its organizations and returns the first hit. */
  async find<T>(
    principal: Principal,
    entity: string,
    id: string,
    find: (actor: Actor) => Promise<T>,
  ): Promise<Located<T>> {
    for (const { actor } of await this.auth.organizationsFor(principal)) {
      try {
        return { actor, value: await find(actor) };
      } catch (e) {
        if (!(e instanceof NotFoundError)) throw e;
      }
    }
    throw new NotFoundError(entity, id);
  }
}
