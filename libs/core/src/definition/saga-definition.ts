import type { AnyStateMachine, AnyStateNode } from 'xstate';
import type { z } from 'zod';
import type { CommandContract, EventContract } from '../contracts/message-contract';
import { SagaDefinitionError } from '../errors/saga-definition.error';
import { ENGINE_HANDLED_EVENTS, MACHINE_BUILTIN_EVENTS } from './builtin-events';
import type { SagaStep } from './saga-step';

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
  /** The saga's steps by name: what each sends, which replies settle it, how it is retried and undone. */
  readonly steps: ReadonlyMap<string, SagaStep<any>>;
  readonly machine: AnyStateMachine;
}

/** What `defineSaga` takes: a saga's name and version, its contracts, its steps and its machine. */
export interface SagaDefinitionOptions<TInput> {
  /** Kebab-case, e.g. "order-fulfillment"; REST paths and messages name the saga by it. */
  name: string;
  /** A positive integer; a running instance stays on the version it started on. */
  version: number;
  /** One line on what the saga does, shown by the REST API. */
  description?: string;
  /** Schema of the input a saga is started with. */
  input: z.ZodType<TInput>;
  /** Every command the saga sends, its steps' compensations included. */
  commands: readonly CommandContract[];
  /** Every reply, event and signal the saga accepts; Baton's own events are added for it. */
  events: readonly EventContract[];
  /** Every `sagaStep` the machine sends. Their commands and replies must be among `commands` and `events`. @default [] */
  steps?: ReadonlyArray<SagaStep<any>>;
  /** The XState v5 machine that decides; it records effects (`sagaStep`, `sendCommand`) and does no I/O. */
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

/** The saga's steps by name, each checked against the saga's contracts. */
function indexSteps(
  name: string,
  version: number,
  steps: ReadonlyArray<SagaStep<any>>,
  commands: ReadonlyMap<string, CommandContract>,
  events: ReadonlyMap<string, EventContract>,
): Map<string, SagaStep<any>> {
  const fail = (problem: string) => new SagaDefinitionError(name, version, problem);
  const byName = new Map<string, SagaStep<any>>();
  for (const step of steps) {
    if (byName.has(step.name)) throw fail(`step "${step.name}" is declared twice.`);
    byName.set(step.name, step);
    const sent = [step.command, ...(step.compensation ? [step.compensation.command] : [])];
    for (const command of sent.filter((c) => !commands.has(c.type))) {
      throw fail(`step "${step.name}" sends ${command.type}, which is not in "commands". Declare it there.`);
    }
    const replies = [...step.completedBy, ...step.refusedBy, ...(step.compensation ? [step.compensation.confirmedBy] : [])];
    for (const reply of replies.filter((r) => !events.has(r.type))) {
      throw fail(`step "${step.name}" waits for ${reply.type}, which is not in "events". Declare it there.`);
    }
  }
  return byName;
}

/**
 * Declares a saga and checks it: a kebab-case name, a positive integer
 * version, unique contracts, steps whose commands and replies are among
 * them, and a machine that reacts only to declared events (a typo in an
 * `on:` key is caught here, not in production).
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
  const steps = indexSteps(name, version, options.steps ?? [], commands, events);
  return Object.freeze({ name, version, description: options.description, input: options.input, commands, events, steps, machine });
}
