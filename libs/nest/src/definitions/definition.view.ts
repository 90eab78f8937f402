import { z } from 'zod';
import type { MessageContract, SagaDefinition } from '@baton/core';

function jsonSchema(schema: z.ZodType): unknown {
  return z.toJSONSchema(schema, { unrepresentable: 'any' });
}

function contractView(contract: MessageContract & { participant?: string }) {
  return {
    type: contract.type,
    version: contract.version,
    ...(contract.participant ? { participant: contract.participant } : {}),
    schema: jsonSchema(contract.schema),
  };
}

/** A saga definition as the API shows it: contracts as JSON Schema and the statechart as JSON. */
export function toDefinitionView(definition: SagaDefinition, versions: number[]) {
  return {
    name: definition.name,
    version: definition.version,
    versions,
    description: definition.description,
    input: jsonSchema(definition.input),
    commands: [...definition.commands.values()].map(contractView),
    events: [...definition.events.values()].map(contractView),
    // XState's own JSON form of the machine (actions, guards and delays by name).
    statechart: JSON.parse(JSON.stringify(definition.machine.root.definition)),
  };
}
