import { ConflictError, NotFoundError } from '../errors/domain-error.js';
import { Tag, TAG_COLORS, type TagColor } from '../domain/tag.js';
import { isUuid } from '../domain/validate.js';
import type { Actor } from '../policies/actor.js';
import type { Page } from '../ports/query.js';
import { TAG_FIELDS, TAG_SORTS, type Repositories, type TagQuery } from '../ports/storage.js';
import type { CoreDeps } from './context.js';
import { checkQuery } from './query-check.js';

export class TagService {
  constructor(private readonly deps: CoreDeps) {}

  async create(actor: Actor, input: { name: string; color?: string | null; exclusive?: boolean }): Promise<Tag> {
    const tag = this.build(actor, input);
    if (await this.deps.storage.tags.findByName(actor.orgId, tag.name))
      throw new ConflictError('tag', 'name', tag.name, undefined, actor.orgId);
    await this.deps.storage.tags.insert(tag);
    return tag;
  }

  async get(actor: Actor, nameOrId: string): Promise<Tag> {
    const tag = isUuid(nameOrId)
      ? await this.deps.storage.tags.findById(nameOrId)
      : await this.deps.storage.tags.findByName(actor.orgId, nameOrId);
    if (!tag || tag.orgId !== actor.orgId) throw new NotFoundError('Tag', nameOrId);
    return tag;
  }

  async list(actor: Actor, query: TagQuery): Promise<Page<Tag>> {
    return this.deps.storage.tags.list(actor.orgId, checkQuery(query, TAG_FIELDS, TAG_SORTS));
  }

  async taggedCounts(tagIds: readonly string[]): Promise<Map<string, number>> {
    return this.deps.storage.tags.taggedCounts(tagIds);
  }

  /**
   * ZenML's add_tags rule, inside the caller's transaction: a UUID must name an existing
   * tag of the org (else NotFound); any other string finds the tag by name or creates it.
   */
  async resolveForAdd(tx: Repositories, actor: Actor, nameOrId: string): Promise<Tag> {
    if (isUuid(nameOrId)) {
      const tag = await tx.tags.findById(nameOrId);
      if (!tag || tag.orgId !== actor.orgId) throw new NotFoundError('Tag', nameOrId);
      return tag;
    }
    const existing = await tx.tags.findByName(actor.orgId, String(nameOrId).trim());
    if (existing) return existing;
    const tag = this.build(actor, { name: nameOrId });
    await tx.tags.insert(tag);
    return tag;
  }

  /** For remove_tags: the tag if it exists in the org, else null (removal skips it). */
  async resolveForRemove(tx: Repositories, actor: Actor, nameOrId: string): Promise<Tag | null> {
    const tag = isUuid(nameOrId)
      ? await tx.tags.findById(nameOrId)
      : await tx.tags.findByName(actor.orgId, String(nameOrId).trim());
    return tag && tag.orgId === actor.orgId ? tag : null;
  }

  private build(actor: Actor, input: { name: string; color?: string | null; exclusive?: boolean }): Tag {
    return Tag.create({
      id: this.deps.ids.uuid(),
      orgId: actor.orgId,
      name: input.name,
      color: input.color,
      exclusive: input.exclusive,
      createdBy: actor.userId,
      now: this.deps.clock.now(),
      pickColor: () =>
        TAG_COLORS[Number.parseInt(this.deps.ids.uuid().slice(0, 2), 16) % TAG_COLORS.length] as TagColor,
    });
  }
}
