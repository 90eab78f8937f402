import type { CommandContract } from '../contracts/message-contract';
import { validatePayload } from '../contracts/payload-validation';
import type { CommandInFlight } from './saga-runtime';
import type { StepScope } from './step-rules';
import type { OutgoingCommand } from './step-outcome';

/**
 * A command's contract and its payload validated against it (`undoing`:
 * the step whose compensation it is); a bad one fails the step, nothing
 * is persisted.
 */
export function validated(scope: StepScope, type: string, payload: unknown, undoing?: string): { contract: CommandContract; payload: unknown } {
  const contract = scope.definition.commands.get(type);
  if (!contract) {
    const what = undoing ? `step "${undoing}" is undone by command "${type}"` : `it sends command "${type}"`;
    throw scope.fail(`${what}, which the saga does not declare in "commands".`);
  }
  const parsed = validatePayload(contract, payload);
  if (!parsed.ok) {
    const issues = parsed.issues.map((i) => `${i.path}: ${i.message}`).join('; ');
    throw scope.fail(`${undoing ? `the compensation of step "${undoing}", ` : ''}command ${type} has an invalid payload: ${issues}`);
  }
  return { contract, payload: parsed.value };
}

/** A command the machine recorded, to send: its contract, validated payload and a new message id. */
export function newCommand(scope: StepScope, type: string, payload: unknown): OutgoingCommand {
  const { contract, payload: valid } = validated(scope, type, payload);
  return { messageId: scope.tools.newId(), type: contract.type, version: contract.version, participant: contract.participant, payload: valid };
}

/** A command in flight as it goes on the wire (again, on a retry: same message id). */
export function onTheWire(scope: StepScope, command: CommandInFlight): OutgoingCommand {
  const contract = scope.definition.commands.get(command.type);
  if (!contract) throw scope.fail(`it has ${command.type} in flight, which this version of the saga does not declare in "commands".`);
  return {
    messageId: command.messageId,
    type: command.type,
    version: contract.version,
    participant: contract.participant,
    payload: command.payload,
    step: command.step,
    attempt: command.attempt,
    ...(command.compensates ? { compensates: command.compensates } : {}),
  };
}
