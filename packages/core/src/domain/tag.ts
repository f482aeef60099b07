import { ValidationError } from '../errors/domain-error.js';
import { isUuid, Issues } from './validate.js';

export const TAG_COLORS = [
  'grey',
  'purple',
  'red',
  'green',
  'yellow',
  'orange',
  'lime',
  'teal',
  'turquoise',
  'magenta',
  'blue',
] as const;
export type TagColor = (typeof TAG_COLORS)[number];

export interface TagState {
  id: string;
  orgId: string;
  name: string;
  color: TagColor;
  exclusive: boolean;
  createdBy: string;
  createdAt: Date;
  updatedAt: Date;
}

export class Tag {
  private constructor(private state: TagState) {}

  /** `pickColor` chooses a color when none is given (ZenML picks one at random). */
  static create(input: {
    id: string;
    orgId: string;
    name: string;
    color?: string | null;
    exclusive?: boolean;
    createdBy: string;
    now: Date;
    pickColor?: () => TagColor;
  }): Tag {
    new Issues().text('name', input.name, { max: 255, required: true }).throwIfAny();
    if (isUuid(input.name.trim())) throw ValidationError.field('name', 'Tag names cannot be UUIDs.');
    if (input.color && !TAG_COLORS.includes(input.color as TagColor))
      throw ValidationError.field('color', `Use one of ${TAG_COLORS.join(', ')}.`);
    const color = (input.color as TagColor | undefined) ?? input.pickColor?.() ?? 'grey';
    return new Tag({
      id: input.id,
      orgId: input.orgId,
      name: input.name.trim(),
      color,
      exclusive: input.exclusive ?? false,
      createdBy: input.createdBy,
      createdAt: input.now,
      updatedAt: input.now,
    });
  }

  static restore(state: TagState): Tag {
    return new Tag({ ...state });
  }

  get id(): string {
    return this.state.id;
  }
  get orgId(): string {
    return this.state.orgId;
  }
  get name(): string {
    return this.state.name;
  }
  get color(): TagColor {
    return this.state.color;
  }
  get exclusive(): boolean {
    return this.state.exclusive;
  }
  get createdBy(): string {
    return this.state.createdBy;
  }
  get createdAt(): Date {
    return this.state.createdAt;
  }
  get updatedAt(): Date {
    return this.state.updatedAt;
  }

  recolor(color: string, now: Date): void {
    if (!TAG_COLORS.includes(color as TagColor))
      throw ValidationError.field('color', `Use one of ${TAG_COLORS.join(', ')}.`);
    this.state = { ...this.state, color: color as TagColor, updatedAt: now };
  }

  toState(): TagState {
    return { ...this.state };
  }
}
