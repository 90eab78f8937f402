import { CommandFailed, type SagaDefinition } from '@baton/core';

/**
 * What answers one command of a saga, read from its steps
 * (docs/wire-protocol.md, "Commands and replies"). Every list is empty for a
 * command no step sends (fire and forget): it gets no reply.
 */
export interface CommandReplies {
  /** Whether any reply answers it: false for a command sent with `sendCommand`. */
  readonly expectsReply: boolean;
  /** Every reply type that answers it: `completedBy`, `refusedBy`, `confirmedBy`, then `CommandFailed`. */
  readonly replies: readonly string[];
  /** The steps that send it, as their command or as their compensation. */
  readonly steps: readonly string[];
  /** Replies that say it took effect (it is a step's command). */
  readonly completedBy: readonly string[];
  /** Replies that say it did not take effect (it is a step's command). */
  readonly refusedBy: readonly string[];
  /** The commands that undo it (their `compensates` header names its message id). */
  readonly compensatedBy: readonly string[];
  /** The step commands it undoes (it is a compensation). */
  readonly compensates: readonly string[];
  /** Replies that confirm the undo, "nothing to undo" included (it is a compensation). */
  readonly confirmedBy: readonly string[];
}

type Lists = { -readonly [K in Exclude<keyof CommandReplies, 'expectsReply' | 'replies'>]: string[] };

/** Adds to a list what it does not hold yet, in order. */
const addNew = (list: string[], ...types: string[]) => list.push(...types.filter((type) => !list.includes(type)));

/**
 * For each command of the definition (in its declared order), what answers
 * it. A command two steps send gets the union of what they say.
 */
export function commandRepliesOf(definition: SagaDefinition): Map<string, CommandReplies> {
  const empty = () => ({ steps: [], completedBy: [], refusedBy: [], compensatedBy: [], compensates: [], confirmedBy: [] }) as Lists;
  const lists = new Map([...definition.commands.keys()].map((type) => [type, empty()]));
  for (const step of definition.steps.values()) {
    const forward = lists.get(step.command.type)!;
    addNew(forward.steps, step.name);
    addNew(forward.completedBy, ...step.completedBy.map((reply) => reply.type));
    addNew(forward.refusedBy, ...step.refusedBy.map((reply) => reply.type));
    if (step.compensation) {
      addNew(forward.compensatedBy, step.compensation.command.type);
      const undo = lists.get(step.compensation.command.type)!;
      addNew(undo.steps, step.name);
      addNew(undo.compensates, step.command.type);
      addNew(undo.confirmedBy, step.compensation.confirmedBy.type);
    }
  }
  const result = new Map<string, CommandReplies>();
  for (const [type, list] of lists) {
    const replies = [...list.completedBy, ...list.refusedBy];
    addNew(replies, ...list.confirmedBy);
    // Every command a step sends may be answered CommandFailed: no effect (transient: retried).
    if (replies.length) addNew(replies, CommandFailed.type);
    result.set(type, { expectsReply: replies.length > 0, replies, ...list });
  }
  return result;
}
