import type { MessageContract, SagaDefinition, SagaRegistry } from '@baton/core';
import { commandRepliesOf, type CommandReplies } from '../definitions/command-replies';
import { payloadSchema } from './payload-schema';

/** A saga version that uses a message. */
export interface SagaRef {
  readonly name: string;
  readonly version: number;
}

/** One saga version's use of a command: what answers it there. */
export interface CommandUse {
  readonly saga: SagaRef;
  readonly replies: CommandReplies;
  /** The messages of that saga's replies, by type. */
  readonly replyMessages: ReadonlyMap<string, CatalogMessage>;
  /** The messages of that saga's commands, by type. */
  readonly commandMessages: ReadonlyMap<string, CatalogMessage>;
}

/**
 * One message of the document: a contract as one or more saga versions
 * declare it. Sagas that declare the same type at the same version with the
 * same payload schema (and, for a command, the same participant) share it.
 */
export interface CatalogMessage {
  /** Its id among the document's messages: the type, or `<type>.v<version>` when sagas use several versions of it. */
  readonly key: string;
  readonly kind: 'command' | 'reply';
  readonly contract: MessageContract;
  /** The participant that handles it (a command). */
  readonly participant?: string;
  /** The saga versions that send or receive it. */
  readonly sagas: readonly SagaRef[];
  /** Each saga version's use of it (a command). */
  readonly uses: readonly CommandUse[];
}

/** Every command and every reply the registered sagas exchange, each once, with keys unique in the document. */
export interface MessageCatalog {
  readonly commands: readonly CatalogMessage[];
  readonly replies: readonly CatalogMessage[];
}

interface Draft {
  key: string;
  kind: 'command' | 'reply';
  contract: MessageContract;
  participant?: string;
  sagas: SagaRef[];
  uses: Array<{ saga: SagaRef; replies: CommandReplies; replyMessages: Map<string, Draft>; commandMessages: Map<string, Draft> }>;
}

/** What makes two declarations one message: kind, type, version, participant, upcast or not, and payload schema. */
function identityOf(kind: string, contract: MessageContract, participant: string | undefined): string {
  const payload = payloadSchema(contract.schema, contract.type);
  return JSON.stringify([kind, contract.type, contract.version, participant ?? null, contract.upcast !== undefined, payload]);
}

function groupBy<T, K>(items: readonly T[], keyOf: (item: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const item of items) groups.set(keyOf(item), [...(groups.get(keyOf(item)) ?? []), item]);
  return groups;
}

/**
 * Keys unique in the document, and the type alone whenever that is enough:
 * the type while the sagas declare it one way; `<type>.v<version>` when they
 * use several versions of it; `<type>.v<version>.<saga>.v<n>` (the first
 * saga that declared it) when they disagree about one version.
 */
function assignKeys(messages: readonly Draft[]): void {
  const taken = new Set<string>();
  for (const [type, variants] of groupBy(messages, (message) => message.contract.type)) {
    const byVersion = groupBy(variants, (message) => message.contract.version);
    for (const message of variants) {
      const versioned = `${type}.v${message.contract.version}`;
      const [first] = message.sagas;
      let key = variants.length === 1 ? type : byVersion.get(message.contract.version)!.length === 1 ? versioned : `${versioned}.${first.name}.v${first.version}`;
      for (let n = 2; taken.has(key); n++) key = `${key}.${n}`;
      taken.add(key);
      message.key = key;
    }
  }
}

/** Every registered saga version: names in order, each one's versions oldest first. */
function sagasOf(registry: SagaRegistry): SagaDefinition[] {
  return registry.names().flatMap((name) => registry.versions(name).map((version) => registry.get(name, version)!));
}

/**
 * A registry's messages: every command of every saga version, and every
 * reply that answers one (docs/wire-protocol.md, "Commands and replies").
 */
export function messageCatalog(registry: SagaRegistry): MessageCatalog {
  const drafts = new Map<string, Draft>();
  const find = (kind: 'command' | 'reply', contract: MessageContract, saga: SagaRef, participant?: string): Draft => {
    const identity = identityOf(kind, contract, participant);
    let draft = drafts.get(identity);
    if (!draft) drafts.set(identity, (draft = { key: contract.type, kind, contract, participant, sagas: [], uses: [] }));
    if (!draft.sagas.some((s) => s.name === saga.name && s.version === saga.version)) draft.sagas.push(saga);
    return draft;
  };
  for (const definition of sagasOf(registry)) {
    const saga = { name: definition.name, version: definition.version };
    const answers = commandRepliesOf(definition);
    const commandMessages = new Map<string, Draft>();
    for (const contract of definition.commands.values()) commandMessages.set(contract.type, find('command', contract, saga, contract.participant));
    const replyMessages = new Map<string, Draft>();
    for (const type of new Set([...answers.values()].flatMap((a) => a.replies))) {
      replyMessages.set(type, find('reply', definition.events.get(type)!, saga));
    }
    for (const [type, message] of commandMessages) {
      message.uses.push({ saga, replies: answers.get(type)!, replyMessages, commandMessages });
    }
  }
  const all = [...drafts.values()];
  assignKeys(all);
  return { commands: all.filter((m) => m.kind === 'command'), replies: all.filter((m) => m.kind === 'reply') };
}
