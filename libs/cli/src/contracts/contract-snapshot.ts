import type { CompatibilityMode, MessageContract, SagaDefinition } from '@baton/core';
import { BUILTIN_EVENTS } from '@baton/core';
import { z } from 'zod';
import type { JsonSchema } from './json-schema';
import { sameJson } from './stable-json';

/**
 * One message contract at one version, as `baton contracts snapshot` keeps
 * it in `<dir>/<type>.v<version>.json`.
 *
 * Which side of zod a schema describes matters: zod's input side is what
 * `parse` accepts, its output side what it answers. A receiver validates a
 * payload with the contract's schema, so what it accepts is the input side
 * (`schema`). What a sender writes depends on who sends:
 * - a command is sent by the saga, which sends the payload as the schema
 *   parsed it (docs/architecture.md, "The step: decide, then write"): the
 *   output side (`written`). A `z.object` strips unknown keys there
 *   (additionalProperties: false: a closed content model), defaults are
 *   filled in, transforms applied.
 * - an event is written by any service that speaks the wire protocol
 *   (docs/wire-protocol.md: a stock @nestjs/microservices peer, a service in
 *   another language) or by an operator over REST: all it is held to is what
 *   the receiver accepts, the input side. A `z.object` is open there
 *   (additionalProperties absent): any other property, of any type, may come.
 *
 * zod's object modes, as JSON Schema: `z.object` (strip) is open on input and
 * closed on output; `z.strictObject` (strict) closed on both; `z.looseObject`
 * (loose, passthrough) open on both (additionalProperties: {}).
 */
export interface ContractSnapshot {
  readonly type: string;
  readonly version: number;
  readonly kind: 'command' | 'event';
  /** The participant that handles it (a command). */
  readonly participant?: string;
  readonly compatibility: CompatibilityMode;
  /** What a receiver of this version accepts: JSON Schema of zod's input side. */
  readonly schema: JsonSchema;
  /** A command: what the saga sends, JSON Schema of zod's output side. An event has none: its senders are held to `schema`. */
  readonly written?: JsonSchema;
}

/** The payload schema of a contract as JSON Schema (zod's `io` side), `required` sorted, plain JSON. */
function jsonSchemaOf(contract: MessageContract, io: 'input' | 'output'): JsonSchema {
  let generated: unknown;
  try {
    generated = z.toJSONSchema(contract.schema, { io, unrepresentable: 'any' });
  } catch (error) {
    throw new Error(`${contract.type} v${contract.version}: its schema has no JSON Schema (${error instanceof Error ? error.message : String(error)})`);
  }
  const sortRequired = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sortRequired);
    if (value === null || typeof value !== 'object') return value;
    return Object.fromEntries(
      Object.entries(value).map(([key, inner]) => [key, key === 'required' && Array.isArray(inner) ? [...inner].sort() : sortRequired(inner)]),
    );
  };
  return JSON.parse(JSON.stringify(sortRequired(generated))) as JsonSchema;
}

/** A contract as the snapshot keeps it. */
export function contractSnapshotOf(contract: MessageContract): ContractSnapshot {
  const participant = contract.kind === 'command' ? (contract as MessageContract & { participant: string }).participant : undefined;
  return {
    type: contract.type,
    version: contract.version,
    kind: contract.kind,
    ...(participant !== undefined ? { participant } : {}),
    compatibility: contract.compatibility ?? 'BACKWARD',
    schema: jsonSchemaOf(contract, 'input'),
    ...(contract.kind === 'command' ? { written: jsonSchemaOf(contract, 'output') } : {}),
  };
}

/** A contract the loaded sagas declare, as the snapshot would keep it, and which sagas declare it. */
export interface CurrentContract {
  readonly contract: MessageContract;
  readonly snapshot: ContractSnapshot;
  /** `order-fulfillment v1`, ... */
  readonly sagas: readonly string[];
}

/** Two sagas that declare one type at one version differently. */
export interface ContractConflict {
  readonly type: string;
  readonly version: number;
  readonly sagas: readonly string[];
}

const BUILTIN_SNAPSHOTS = new Map<string, ContractSnapshot>();

/**
 * Whether a contract is one Baton declares for every saga (CommandFailed,
 * StepFailed, ...): the same object, or (another copy of @baton/core) the
 * same type with the same snapshot. Their compatibility is Baton's: they
 * change with Baton's version, which a saga's version bump cannot answer.
 */
function isBuiltin(contract: MessageContract, snapshot: ContractSnapshot): boolean {
  if ((BUILTIN_EVENTS as readonly MessageContract[]).includes(contract)) return true;
  const builtin = BUILTIN_EVENTS.find((candidate) => candidate.type === contract.type);
  if (!builtin) return false;
  if (!BUILTIN_SNAPSHOTS.has(builtin.type)) BUILTIN_SNAPSHOTS.set(builtin.type, contractSnapshotOf(builtin));
  return sameJson(BUILTIN_SNAPSHOTS.get(builtin.type), snapshot);
}

/**
 * Every command and event the sagas declare, Baton's built-in events left
 * out, once per type and version, sorted by type and version; and the types
 * and versions two sagas declare differently (kind, participant, mode or
 * schema).
 */
export function sagaContracts(sagas: readonly SagaDefinition[]): { contracts: CurrentContract[]; conflicts: ContractConflict[] } {
  const byKey = new Map<string, { contract: MessageContract; snapshot: ContractSnapshot; sagas: string[]; conflicting: boolean }>();
  for (const saga of sagas) {
    const name = `${saga.name} v${saga.version}`;
    for (const contract of [...saga.commands.values(), ...saga.events.values()] as MessageContract[]) {
      const snapshot = contractSnapshotOf(contract);
      if (isBuiltin(contract, snapshot)) continue;
      const key = `${contract.type}\u0000${contract.version}`;
      const known = byKey.get(key);
      if (!known) byKey.set(key, { contract, snapshot, sagas: [name], conflicting: false });
      else {
        if (!known.sagas.includes(name)) known.sagas.push(name);
        if (!sameJson(known.snapshot, snapshot)) known.conflicting = true;
      }
    }
  }
  const sorted = [...byKey.values()].sort((a, b) => (a.contract.type < b.contract.type ? -1 : a.contract.type > b.contract.type ? 1 : a.contract.version - b.contract.version));
  return {
    contracts: sorted.map(({ contract, snapshot, sagas: names }) => ({ contract, snapshot, sagas: names })),
    conflicts: sorted.filter((entry) => entry.conflicting).map((entry) => ({ type: entry.contract.type, version: entry.contract.version, sagas: entry.sagas })),
  };
}
