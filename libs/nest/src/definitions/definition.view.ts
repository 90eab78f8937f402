import { z } from 'zod';
import type { CommandContract, MessageContract, SagaDefinition } from '@baton/core';
import { commandRepliesOf, type CommandReplies } from './command-replies';

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: 'any' });
}

function contractView(contract: MessageContract & { participant?: string; signal?: boolean }) {
  return {
    type: contract.type,
    version: contract.version,
    ...(contract.participant ? { participant: contract.participant } : {}),
    // An operator may send it (POST /sagas/{id}/signals/{type}).
    ...(contract.signal ? { signal: true } : {}),
    schema: jsonSchema(contract.schema),
  };
}

/** A command with what answers it (docs/wire-protocol.md, "Commands and replies"). */
function commandView(contract: CommandContract, replies: CommandReplies) {
  return { ...contractView(contract), ...replies };
}

/** A saga definition as the API shows it: contracts as JSON Schema, what answers each command, and the statechart as JSON. */
export function toDefinitionView(definition: SagaDefinition, versions: number[]) {
  const replies = commandRepliesOf(definition);
  return {
    name: definition.name,
    version: definition.version,
    versions,
    description: definition.description,
    input: jsonSchema(definition.input),
    commands: [...definition.commands.values()].map((contract) => commandView(contract, replies.get(contract.type)!)),
    events: [...definition.events.values()].map(contractView),
    // XState's own JSON form of the machine (actions, guards and delays by name).
    statechart: JSON.parse(JSON.stringify(definition.machine.root.definition)),
  };
}
