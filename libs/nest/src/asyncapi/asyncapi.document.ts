import { CommandFailed, type SagaRegistry, type TopicNames } from '@baton/core';
import { messageCatalog, type CatalogMessage, type SagaRef } from './message-catalog';
import { headersSchema } from './message-headers';
import { componentId, payloadSchema, type JsonSchema } from './payload-schema';

/** A broker the document names, as AsyncAPI's Server Object. */
export interface AsyncApiServer {
  /** `host[:port]`, e.g. `kafka-1.internal:9092`. */
  host: string;
  /** e.g. `kafka`, `kafka-secure`. */
  protocol: string;
  description?: string;
}

/** Options of `asyncApiDocument`. */
export interface AsyncApiOptions {
  /** The topic names the host uses: SagaModule's are `BATON_TOPICS`; or `defaultTopicNames({ prefix, replies })`. */
  topics: TopicNames;
  /** The brokers, by server id (AsyncAPI's `servers`). @default none */
  servers?: Record<string, AsyncApiServer>;
  /** @default 'Baton orchestrator' */
  title?: string;
  /** The document's version. @default the sagas and their versions, e.g. `order-fulfillment v1` */
  version?: string;
}

/** An AsyncAPI 3.0.0 document, as JSON. */
export interface AsyncApiDocument {
  asyncapi: '3.0.0';
  info: { title: string; version: string; description: string };
  servers?: Record<string, AsyncApiServer>;
  defaultContentType: 'application/json';
  channels: Record<string, JsonSchema>;
  operations: Record<string, JsonSchema>;
  components: { messages: Record<string, JsonSchema>; schemas: Record<string, JsonSchema> };
}

const REPLIES_CHANNEL = 'replies';
const ref = (...path: string[]) => ({ $ref: `#/${path.join('/')}` });
const sagaName = (saga: SagaRef) => `${saga.name} v${saga.version}`;
const list = (types: readonly string[]) => types.join(', ');
/** Messages of a saga are keyed by its id (docs/wire-protocol.md, "Topics and keys"). */
const KAFKA_BINDINGS = { kafka: { key: { type: 'string', format: 'uuid', description: 'The saga id.' }, bindingVersion: '0.5.0' } };

type Use = CatalogMessage['uses'][number];

/**
 * What the sagas say about a command, over every saga that sends it: its
 * steps, and the messages (by key) that answer it, that it undoes, and
 * that undo it.
 */
function commandFacts(message: CatalogMessage) {
  const union = (pick: (use: Use) => readonly string[]) => [...new Set(message.uses.flatMap(pick))];
  const replies = (pick: (use: Use) => readonly string[]) => union((use) => pick(use).map((type) => use.replyMessages.get(type)!.key));
  const commands = (pick: (use: Use) => readonly string[]) => union((use) => pick(use).map((type) => use.commandMessages.get(type)!.key));
  return {
    steps: union((use) => use.replies.steps),
    replies: replies((use) => use.replies.replies),
    completedBy: replies((use) => use.replies.completedBy),
    refusedBy: replies((use) => use.replies.refusedBy),
    confirmedBy: replies((use) => use.replies.confirmedBy),
    compensates: commands((use) => use.replies.compensates),
    compensatedBy: commands((use) => use.replies.compensatedBy),
  };
}

/** Whether a command is sent as a compensation by every saga that sends it, by some, or by none. */
function compensationOf(message: CatalogMessage): 'always' | 'sometimes' | 'never' {
  const compensating = message.uses.filter((use) => use.replies.compensates.length).length;
  return compensating === 0 ? 'never' : compensating === message.uses.length ? 'always' : 'sometimes';
}

/** One line on a command: what it asks, and of which saga. */
function commandSummary(message: CatalogMessage): string {
  const facts = commandFacts(message);
  const participant = message.participant!;
  if (facts.compensates.length) return `Asks ${participant} to undo ${list(facts.compensates)} (a compensation).`;
  if (facts.steps.length) return `Asks ${participant} to carry out step ${list(facts.steps)}.`;
  return `Tells ${participant}, fire and forget: no reply.`;
}

/** What answers a command, in words (docs/wire-protocol.md, "Commands and replies", "Compensations"). */
function commandDescription(message: CatalogMessage): string {
  const facts = commandFacts(message);
  const lines = [`Sent by ${list(message.sagas.map(sagaName))}.`];
  if (!facts.replies.length) lines.push('Fire and forget: no reply is expected.');
  if (facts.completedBy.length) lines.push(`Took effect: ${list(facts.completedBy)}.`);
  if (facts.refusedBy.length) lines.push(`Did not take effect: ${list(facts.refusedBy)}.`);
  if (facts.compensates.length) {
    lines.push(
      `Undoes ${list(facts.compensates)}, named by message-id in the \`compensates\` header, whether or not it took effect. ` +
        `Confirmed by ${list(facts.confirmedBy)} (also when there was nothing to undo); it must not refuse for good.`,
    );
  }
  if (facts.compensatedBy.length) lines.push(`Undone by ${list(facts.compensatedBy)}.`);
  if (facts.replies.length) {
    lines.push(`${CommandFailed.type}: no effect; \`transient: true\` asks for a retry under the same message-id, \`false\` is a refusal.`);
  }
  return lines.join('\n');
}

/** The commands a reply answers, and what it says about each. */
function replyAnswers(reply: CatalogMessage, commands: readonly CatalogMessage[]): string[] {
  const answers = new Set<string>();
  for (const command of commands) {
    for (const use of command.uses) {
      const says = (types: readonly string[]) => types.some((type) => use.replyMessages.get(type) === reply);
      if (says(use.replies.completedBy)) answers.add(`${command.key} took effect`);
      if (says(use.replies.refusedBy)) answers.add(`${command.key} did not take effect`);
      if (says(use.replies.confirmedBy)) answers.add(`${command.key} undid what it names (or there was nothing to undo)`);
    }
  }
  return [...answers];
}

/** One line on a reply: which commands it answers, and what it says of each. */
function replySummary(reply: CatalogMessage, commands: readonly CatalogMessage[]): string {
  if (reply.contract.type === CommandFailed.type) return 'Answers any command: it had no effect.';
  return `Answers: ${replyAnswers(reply, commands).join('; ')}.`;
}

/** Who receives a reply, and what Baton does with it beyond its contract. */
function replyDescription(reply: CatalogMessage): string {
  const lines = [`Received by ${list(reply.sagas.map(sagaName))}.`];
  if (reply.contract.type === CommandFailed.type) {
    lines.push('Built in: the command had no effect. `transient: true` asks for a retry (same message-id); `false` is a refusal.');
  }
  if (reply.contract.upcast) lines.push(`A payload written against an older version (\`schema-version\`) is upcast to v${reply.contract.version}.`);
  return lines.join('\n');
}

/** A message of the document (components.messages). */
function messageObject(message: CatalogMessage, summary: string, description: string, schemas: Record<string, JsonSchema>): JsonSchema {
  const { payload, schemas: own } = payloadSchema(message.contract.schema, componentId(message.key));
  Object.assign(schemas, own);
  const command = message.kind === 'command';
  return {
    name: message.contract.type,
    title: `${message.contract.type} v${message.contract.version}`,
    summary,
    description,
    contentType: 'application/json',
    headers: headersSchema({
      kind: message.kind,
      type: message.contract.type,
      version: message.contract.version,
      upcasts: !command && message.contract.upcast !== undefined,
      sagaNames: [...new Set(message.sagas.map((saga) => saga.name))],
      compensation: command ? compensationOf(message) : 'never',
    }),
    payload,
    correlationId: command
      ? { location: '$message.header#/message-id', description: 'A reply names it in its causation-id header.' }
      : { location: '$message.header#/causation-id', description: 'The message-id of the command it answers.' },
    bindings: KAFKA_BINDINGS,
    'x-baton-sagas': message.sagas.map((saga) => ({ ...saga })),
  };
}

/** Baton's own facts on a command that AsyncAPI has no field for. */
function commandExtensions(message: CatalogMessage): JsonSchema {
  const facts = commandFacts(message);
  const extension = (name: string, values: readonly string[]) => (values.length ? { [`x-baton-${name}`]: values } : {});
  return {
    ...extension('steps', facts.steps),
    ...extension('completed-by', facts.completedBy),
    ...extension('refused-by', facts.refusedBy),
    ...extension('compensated-by', facts.compensatedBy),
    ...extension('compensates', facts.compensates),
    ...extension('confirmed-by', facts.confirmedBy),
  };
}

/** The sagas and their versions, e.g. `order-fulfillment v1/2`: the document changes when they do. */
function defaultVersion(registry: SagaRegistry): string {
  return registry.names().map((name) => `${name} v${registry.versions(name).join('/')}`).join(', ') || 'no sagas';
}

/** What the document describes, the topics it uses, and each saga version with its description. */
function infoDescription(registry: SagaRegistry, topics: TopicNames): string {
  return [
    "The messages a Baton orchestrator sends to its participants and receives from them, read from its sagas' contracts.",
    `Each participant reads its commands from its own topic and answers on ${topics.replies}; every message is keyed by its saga id. ` +
      'A reply carries the command\'s message-id in causation-id.',
    '',
    ...registry.names().flatMap((name) =>
      registry.versions(name).map((version) => `- ${name} v${version}: ${registry.get(name, version)!.description ?? '(no description)'}`),
    ),
  ].join('\n');
}

/**
 * The AsyncAPI 3.0.0 document of what the orchestrator running `registry`'s
 * sagas exchanges over the broker (docs/wire-protocol.md), from its side:
 * a channel per participant's command topic and one for the replies topic,
 * named as `topics` says; a message per contract (its JSON Schema payload,
 * its headers, the saga id as the Kafka key); a `send` operation per command
 * whose `reply` lists the replies that answer it, and a `receive` operation
 * per reply. What AsyncAPI has no field for (which reply means the command
 * took effect, what undoes it) is in `x-baton-*` extensions.
 *
 * Sagas that declare a contract the same way share its message; several
 * versions of one contract are `<type>.v<version>`.
 */
export function asyncApiDocument(registry: SagaRegistry, options: AsyncApiOptions): AsyncApiDocument {
  const { topics } = options;
  const catalog = messageCatalog(registry);
  const schemas: Record<string, JsonSchema> = {};
  const messages: Record<string, JsonSchema> = {};
  for (const command of catalog.commands) messages[command.key] = messageObject(command, commandSummary(command), commandDescription(command), schemas);
  for (const reply of catalog.replies) {
    messages[reply.key] = messageObject(reply, replySummary(reply, catalog.commands), replyDescription(reply), schemas);
  }

  const channels: Record<string, JsonSchema> = {};
  const channelOf = new Map<string, string>();
  for (const participant of new Set(catalog.commands.map((command) => command.participant!))) {
    let id = componentId(`${participant}.commands`);
    while (id in channels || id === REPLIES_CHANNEL) id = `${id}_`;
    channelOf.set(participant, id);
    const own = catalog.commands.filter((command) => command.participant === participant);
    channels[id] = {
      address: topics.commands(participant),
      title: `${participant} commands`,
      description: `Commands to ${participant}, from the orchestrator.`,
      messages: Object.fromEntries(own.map((command) => [command.key, ref('components', 'messages', command.key)])),
    };
  }
  channels[REPLIES_CHANNEL] = {
    address: topics.replies,
    title: 'Replies',
    description: "Every participant's replies to the orchestrator's commands.",
    messages: Object.fromEntries(catalog.replies.map((reply) => [reply.key, ref('components', 'messages', reply.key)])),
  };

  const operations: Record<string, JsonSchema> = {};
  for (const command of catalog.commands) {
    const channel = channelOf.get(command.participant!)!;
    const replies = commandFacts(command).replies;
    operations[`send.${command.key}`] = {
      action: 'send',
      channel: ref('channels', channel),
      title: `Send ${command.key}`,
      summary: commandSummary(command),
      description: commandDescription(command),
      messages: [ref('channels', channel, 'messages', command.key)],
      ...(replies.length ? { reply: { channel: ref('channels', REPLIES_CHANNEL), messages: replies.map((key) => ref('channels', REPLIES_CHANNEL, 'messages', key)) } } : {}),
      ...commandExtensions(command),
    };
  }
  for (const reply of catalog.replies) {
    operations[`receive.${reply.key}`] = {
      action: 'receive',
      channel: ref('channels', REPLIES_CHANNEL),
      title: `Receive ${reply.key}`,
      summary: replySummary(reply, catalog.commands),
      messages: [ref('channels', REPLIES_CHANNEL, 'messages', reply.key)],
    };
  }

  return {
    asyncapi: '3.0.0',
    info: { title: options.title ?? 'Baton orchestrator', version: options.version ?? defaultVersion(registry), description: infoDescription(registry, topics) },
    ...(options.servers && Object.keys(options.servers).length ? { servers: options.servers } : {}),
    defaultContentType: 'application/json',
    channels,
    operations,
    components: { messages, schemas },
  };
}
