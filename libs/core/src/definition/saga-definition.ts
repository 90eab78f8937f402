import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { z } from 'zod';
import type { CommandContract, EventContract } from '../contracts/message-contract';
import { SagaDefinitionError } from '../errors/saga-definition.error';
import { ENGINE_HANDLED_EVENTS, MACHINE_BUILTIN_EVENTS } from './builtin-events';

/**
 * A saga: its name and version, the contracts of what it takes, sends and
 * accepts, and the XState machine that decides.
 */
export interface SagaDefinition<TInput = unknown> {
  readonly name: string;
  readonly version: number;
  readonly description?: string;
  /** Schema of the input a saga is started with. */
  readonly input: z.ZodType<TInput>;
  readonly commands: ReadonlyMap<string, CommandContract>;
  readonly events: ReadonlyMap<string, EventContract>;
  readonly machine: AnyStateMachine;
}

export interface SagaDefinitionOptions<TInput> {
  name: string;
  version: number;
  description?: string;
  input: z.ZodType<TInput>;
  commands: readonly CommandContract[];
  events: readonly EventContract[];
  machine: AnyStateMachine;
}

const SAGA_NAME = /^[a-z][a-z0-9]*(-[a-z0-9]+)*$/;

/** Every event type a machine's states react to, XState's internal ones left out. */
export function handledEventTypes(machine: AnyStateMachine): string[] {
  const types = new Set<string>();
  const visit = (node: AnyStateNode) => {
    for (const type of node.ownEvents) {
      if (!type.startsWith('xstate.') && type !== '*') types.add(type);
    }
    Object.values(node.states).forEach(visit);
  };
  visit(machine.root);
  return [...types];
}

function indexBy<C extends { type: string }>(name: string, version: number, contracts: readonly C[], what: string) {
  const map = new Map<string, C>();
  for (const contract of contracts) {
    if (map.has(contract.type)) {
      throw new SagaDefinitionError(name, version, `${what} "${contract.type}" is declared twice.`);
    }
    map.set(contract.type, contract);
  }
  return map;
}

/**
 * Declares a saga and checks it: a kebab-case name, a positive integer
 * version, unique contracts, and a machine that reacts only to declared
 * events (a typo in an `on:` key is caught here, not in production).
 * Baton's own events are declared for it: those the engine handles
 * (CommandFailed, RetryCompensation, ResolveCompensation) always, and
 * StepFailed, CompensationsCompleted and AbortRequested when the machine
 * reacts to them.
 */
export function defineSaga<TInput>(options: SagaDefinitionOptions<TInput>): SagaDefinition<TInput> {
  const { name, version, machine } = options;
  if (!SAGA_NAME.test(name)) {
    throw new SagaDefinitionError(name, version, 'the name must be kebab-case (e.g. "order-fulfillment").');
  }
  if (!Number.isInteger(version) || version < 1) {
    throw new SagaDefinitionError(name, undefined, `version must be an integer >= 1, got ${version}.`);
  }
  const commands = indexBy(name, version, options.commands, 'command');
  const events = indexBy(name, version, options.events, 'event');
  const handled = handledEventTypes(machine);
  for (const builtin of [...ENGINE_HANDLED_EVENTS, ...MACHINE_BUILTIN_EVENTS.filter((e) => handled.includes(e.type))]) {
    if (!events.has(builtin.type)) events.set(builtin.type, builtin);
  }
  const undeclared = handled.filter((type) => !events.has(type));
  if (undeclared.length) {
    throw new SagaDefinitionError(
      name,
      version,
      `the machine reacts to events with no contract: ${undeclared.join(', ')}. Declare them in "events".`,
    );
  }
  return Object.freeze({ name, version, description: options.description, input: options.input, commands, events, machine });
}
