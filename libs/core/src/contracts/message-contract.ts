import type { z } from 'zod';

/**
 * How a contract may change while messages of its earlier shapes are still
 * around, in the sense Confluent Schema Registry gives these names for JSON
 * Schema. `baton contracts check` holds each contract to its mode against
 * the committed snapshot of its earlier versions.
 *
 * - `BACKWARD` (the default): the new schema reads what the previous one
 *   wrote. Upgrade the receivers first (docs/wire-protocol.md, "Versions
 *   and upcasting": deploy the reader of a new version before its writers).
 * - `FORWARD`: what the new schema writes, the previous one reads. Upgrade
 *   the senders first.
 * - `FULL`: both.
 * - `BACKWARD_TRANSITIVE`, `FORWARD_TRANSITIVE`, `FULL_TRANSITIVE`: the same,
 *   against every earlier version in the snapshot, not only the latest.
 * - `NONE`: not checked.
 */
export type CompatibilityMode =
  | 'BACKWARD'
  | 'BACKWARD_TRANSITIVE'
  | 'FORWARD'
  | 'FORWARD_TRANSITIVE'
  | 'FULL'
  | 'FULL_TRANSITIVE'
  | 'NONE';

/** Every compatibility mode, in the order `CompatibilityMode` lists them. */
export const COMPATIBILITY_MODES: readonly CompatibilityMode[] = Object.freeze([
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
]);

/**
 * A message type on the wire: its name, its schema version and the schema its
 * payload must satisfy. Every command and every reply/event a saga exchanges
 * is declared as one, so it can be validated at every boundary.
 */
export interface MessageContract<TType extends string = string, TSchema extends z.ZodType = z.ZodType> {
  readonly kind: 'command' | 'event';
  readonly type: TType;
  /** Schema version of the payload; bumped when the payload changes shape. */
  readonly version: number;
  readonly schema: TSchema;
  /**
   * Turns a payload written against an older version into the current one.
   * Receives the version the sender stamped on the message.
   */
  readonly upcast?: (payload: unknown, fromVersion: number) => unknown;
  /**
   * How its schema may change (`baton contracts check`). `command()` and
   * `event()` always set it; a contract made by hand without it is `BACKWARD`.
   */
  readonly compatibility?: CompatibilityMode;
}

/** A command sent to one participant service. */
export interface CommandContract<TType extends string = string, TSchema extends z.ZodType = z.ZodType>
  extends MessageContract<TType, TSchema> {
  readonly kind: 'command';
  /** The participant that handles it; its command topic derives from this name. */
  readonly participant: string;
}

/** A reply or event that a saga reacts to. */
export interface EventContract<TType extends string = string, TSchema extends z.ZodType = z.ZodType>
  extends MessageContract<TType, TSchema> {
  readonly kind: 'event';
  /** An operator may send it to a saga over REST (POST /sagas/{id}/signals/{type}). */
  readonly signal?: boolean;
}

/** The payload type of a contract, as its schema parses it: `PayloadOf<typeof ReserveStock>`. */
export type PayloadOf<C extends MessageContract> = z.infer<C['schema']>;

const TYPE_NAME = /^[A-Z][A-Za-z0-9]*$/;

function checkHeader(type: string, version: number, compatibility: unknown): void {
  if (!TYPE_NAME.test(type)) {
    throw new TypeError(`Message type "${type}" must be PascalCase letters and digits (e.g. "ReserveStock").`);
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new TypeError(`Message type "${type}": version must be an integer >= 1, got ${version}.`);
  }
  if (compatibility !== undefined && !COMPATIBILITY_MODES.includes(compatibility as CompatibilityMode)) {
    throw new TypeError(
      `Message type "${type}": compatibility must be one of ${COMPATIBILITY_MODES.join(', ')}, got ${JSON.stringify(compatibility)}.`,
    );
  }
}

/** Declares a command handled by `participant`. */
export function command<TType extends string, TSchema extends z.ZodType>(
  type: TType,
  options: {
    participant: string;
    schema: TSchema;
    version?: number;
    upcast?: (payload: unknown, fromVersion: number) => unknown;
    /** How its schema may change (`baton contracts check`). @default 'BACKWARD' */
    compatibility?: CompatibilityMode;
  },
): CommandContract<TType, TSchema> {
  const version = options.version ?? 1;
  checkHeader(type, version, options.compatibility);
  return {
    kind: 'command',
    type,
    version,
    schema: options.schema,
    participant: options.participant,
    upcast: options.upcast,
    compatibility: options.compatibility ?? 'BACKWARD',
  };
}

/** Declares a reply or event a saga accepts. */
export function event<TType extends string, TSchema extends z.ZodType>(
  type: TType,
  options: {
    schema: TSchema;
    version?: number;
    upcast?: (payload: unknown, fromVersion: number) => unknown;
    signal?: boolean;
    /** How its schema may change (`baton contracts check`). @default 'BACKWARD' */
    compatibility?: CompatibilityMode;
  },
): EventContract<TType, TSchema> {
  const version = options.version ?? 1;
  checkHeader(type, version, options.compatibility);
  return {
    kind: 'event',
    type,
    version,
    schema: options.schema,
    upcast: options.upcast,
    signal: options.signal,
    compatibility: options.compatibility ?? 'BACKWARD',
  };
}
