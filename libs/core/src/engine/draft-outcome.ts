import type { AnyMachineSnapshot, AnyStateMachine } from 'xstate';
import { SagaTags } from '../definition/saga-context';
import { armedTimerKeys } from './armed-timers';
import type { CommandsInFlight } from './commands-in-flight';
import type { Compensations } from './compensations';
import { timerKeyOf, type SagaRuntime } from './saga-runtime';
import type { SagaLimits } from './saga-engine';
import type { OutgoingCommand, SagaStatus, StepOutcome } from './step-outcome';
import type { TimerChanges } from './timer-changes';

/** Where a saga stands by its machine alone: its status and tags. */
function machineStatus(machine: AnyMachineSnapshot): SagaStatus {
  if (machine.status === 'done') {
    if (machine.hasTag(SagaTags.compensated)) return 'compensated';
    if (machine.hasTag(SagaTags.aborted)) return 'aborted';
    if (machine.hasTag(SagaTags.failed)) return 'failed';
    return 'completed';
  }
  if (machine.hasTag(SagaTags.stuck)) return 'stuck';
  return machine.hasTag(SagaTags.compensating) ? 'compensating' : 'running';
}

/**
 * Where a saga stands: stuck while a compensation failed for good,
 * compensating while the engine undoes steps after the machine ended,
 * otherwise as its machine says.
 */
function sagaStatus(machine: AnyMachineSnapshot, compensations: Compensations): SagaStatus {
  if (compensations.failed) return 'stuck';
  if (machine.status === 'done' && compensations.running) return 'compensating';
  return machineStatus(machine);
}

/** An input that changed nothing: the saga as it stands, its runtime as it came. */
export function unchangedOutcome(machine: AnyMachineSnapshot, persisted: unknown, runtime: SagaRuntime, compensations: Compensations): StepOutcome {
  return {
    accepted: false,
    snapshot: persisted,
    stateValue: machine.value,
    status: sagaStatus(machine, compensations),
    output: machine.output,
    context: machine.context,
    commands: [],
    timers: { schedule: [], cancel: [] },
    runtime,
  };
}

/** Everything one accepted step worked out, for its outcome. */
export interface StepResult {
  readonly machineLogic: AnyStateMachine;
  readonly limits: Required<SagaLimits>;
  /** The machine after the step, and as it is persisted. */
  readonly machine: AnyMachineSnapshot;
  readonly persisted: unknown;
  readonly transitions: number;
  /** Why the step parked the saga, if it did. */
  readonly parked?: string;
  readonly inFlight: CommandsInFlight;
  readonly compensations: Compensations;
  readonly timers: TimerChanges;
  readonly sent: readonly OutgoingCommand[];
  readonly notes: readonly string[];
}

/**
 * What the host persists for an accepted step, and the commands and timers
 * it must write. A saga that crossed its bounds (transitions, commands in
 * flight) is parked as failed here; a saga that ended, or was parked, keeps
 * nothing in flight and no timer armed, and a parked one sends nothing.
 */
export function changedOutcome(result: StepResult): StepOutcome {
  const { machine, inFlight, compensations, transitions } = result;
  const { maxTransitions, maxCommandsInFlight } = result.limits;
  const inFlightCount = inFlight.all().length;
  let parked = result.parked;
  if (!parked && transitions > maxTransitions) parked = `it took more than ${maxTransitions} transitions (a loop?)`;
  if (!parked && inFlightCount > maxCommandsInFlight) parked = `it had ${inFlightCount} commands in flight, more than ${maxCommandsInFlight}`;
  const status: SagaStatus = parked ? 'failed' : sagaStatus(machine, compensations);
  const ended = !!parked || (machine.status === 'done' && !compensations.running && !compensations.failed);
  const timers = result.timers.outcome(armedTimerKeys(result.machineLogic, machine), ended, inFlight.all().map(timerKeyOf));
  const { pending, abandoned } = inFlight.toRuntime(ended);
  const runtime: SagaRuntime = {
    pending,
    transitions,
    ...(parked ? { parked: { reason: parked } } : {}),
    ...compensations.toRuntime(ended),
    ...(abandoned ? { abandoned } : {}),
  };
  return {
    accepted: true,
    snapshot: result.persisted,
    stateValue: machine.value,
    status,
    output: machine.output,
    context: machine.context,
    commands: parked ? [] : result.sent,
    timers,
    runtime,
    parkedBecause: parked,
    ...(result.notes.length ? { note: result.notes.join('; ') } : {}),
  };
}
