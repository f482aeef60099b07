import { isUuid, ValidationError, type Actor, type Core, type Role, type User } from '@pipewright/core';
import { registerDecorator, type ValidationOptions } from 'class-validator';
import { JSONSchema } from 'class-validator-jsonschema';

/**
 * Unstract's user ids are integers (its clients do `int(user["id"])`): users are shown by
 * their int id (`seq`) and named by it on input. A UUID is still accepted on input.
 */

/** A user reference in a body: an int id (also as a digit string) or a UUID. */
export type UserRef = number | string;

const isIntRef = (v: unknown): boolean =>
  (typeof v === 'number' && Number.isSafeInteger(v) && v > 0) || (typeof v === 'string' && /^[1-9][0-9]{0,9}$/.test(v));

/** The schema of a list of user references (the generated one would name the design type, Array). */
const USER_REFS_SCHEMA = {
  type: 'array',
  description: "User ids: ints (Unstract's), or UUIDs.",
  items: {
    oneOf: [
      { type: 'integer', minimum: 1 },
      { type: 'string', format: 'uuid' },
    ],
  },
} as const;

/** class-validator: a list of int user ids or UUIDs (DRF's message for a bad primary key). */
export function IsUserRef(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) => {
    JSONSchema(() => ({
      ...USER_REFS_SCHEMA,
      items: { ...USER_REFS_SCHEMA.items, oneOf: [...USER_REFS_SCHEMA.items.oneOf] },
    }))(target, String(propertyName));
    registerDecorator({
      name: 'isUserRef',
      target: target.constructor,
      propertyName: String(propertyName),
      options: { message: 'Incorrect type. Expected pk value.', ...options },
      validator: { validate: (v: unknown) => isIntRef(v) || isUuid(v) },
    });
  };
}

/** Int ids of the users a page of rows names, loaded in one query. */
export class UserIntIds {
  private constructor(private readonly seqs: ReadonlyMap<string, number>) {}

  static of(users: Iterable<User>): UserIntIds {
    return new UserIntIds(new Map([...users].map((u) => [u.id, u.seq])));
  }

  static async load(core: Core, actor: Actor, ids: Iterable<string | null | undefined>): Promise<UserIntIds> {
    const wanted = [...new Set([...ids].filter((id): id is string => isUuid(id)))];
    return UserIntIds.of(wanted.length ? await core.admin.usersByIds(actor, wanted) : []);
  }

  /** The user's int id; null for an unknown user or a non-user author (e.g. the scheduler). */
  of(id: string | null | undefined): number | null {
    return id ? (this.seqs.get(id) ?? null) : null;
  }

  list(ids: readonly string[]): number[] {
    return ids.map((id) => this.of(id)).filter((n): n is number => n !== null);
  }
}

/** The users a resource shows: owner, authors and shared users. */
export function namedUsers(r: {
  ownerId: string;
  sharedUserIds: readonly string[];
  createdBy?: string;
  modifiedBy?: string;
}): string[] {
  return [r.ownerId, ...r.sharedUserIds, r.createdBy ?? '', r.modifiedBy ?? ''];
}

/**
 * User ids for core from body references: int ids name members of the organization
 * (an unknown one is DRF's `does_not_exist` on `attr`), UUIDs pass through for core to check.
 */
export async function resolveUserRefs(
  core: Core,
  actor: Actor,
  refs: readonly UserRef[],
  attr = 'shared_users',
): Promise<string[]> {
  const ints = refs.filter(isIntRef).map(Number);
  const members = ints.length ? await core.admin.membersBySeq(actor, ints) : [];
  const bySeq = new Map(members.map((u) => [u.seq, u.id]));
  return refs.map((ref) => {
    if (!isIntRef(ref)) return String(ref);
    const id = bySeq.get(Number(ref));
    if (!id)
      throw ValidationError.field(attr, `Invalid pk "${String(ref)}" - object does not exist.`, 'does_not_exist');
    return id;
  });
}

/** A sharing change from a body, for core to apply with the rest of an update: parts not given keep their value. */
export async function sharingChange(
  core: Core,
  actor: Actor,
  body: { shared_users?: UserRef[]; shared_to_org?: boolean },
): Promise<{ userIds?: string[]; toOrg?: boolean }> {
  return {
    ...(body.shared_users ? { userIds: await resolveUserRefs(core, actor, body.shared_users) } : {}),
    ...(body.shared_to_org !== undefined ? { toOrg: body.shared_to_org } : {}),
  };
}

/** A row of `users/` (Unstract's OrganizationMemberSerializer: the id is a string of the int). */
export function memberView(user: User, role: Role) {
  return {
    id: String(user.seq),
    email: user.email,
    role: role === 'admin' ? 'admin' : 'user',
    is_admin: role === 'admin',
    is_service_account: false,
  };
}
