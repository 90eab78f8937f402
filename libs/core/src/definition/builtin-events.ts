import { z } from 'zod';
import { event } from '../contracts/message-contract';

/**
 * Messages every saga understands. `defineSaga` declares the ones the engine
 * handles itself (CommandFailed, RetryCompensation, ResolveCompensation) and
 * those the machine reacts to; a saga need not list them.
 */

/**
 * A participant's answer that it could not carry out a command, and that the
 * command had no effect. `transient` failures are retried under the step's
 * retry policy; others fail the step.
 */
export const CommandFailed = event('CommandFailed', {
  schema: z.object({ command: z.string(), reason: z.string(), transient: z.boolean() }),
});

/**
 * Sent into the machine by the engine when it gives up on a step: the
 * participant refused it for good, or its retries ran out. After retries ran
 * out the outcome is unknown: the step's compensation is already armed.
 */
export const StepFailed = event('StepFailed', {
  schema: z.object({ step: z.string(), command: z.string(), reason: z.string(), attempts: z.number().int() }),
});

/** Sent into the machine by the engine when every armed compensation was confirmed (see `compensation()`). */
export const CompensationsCompleted = event('CompensationsCompleted', { schema: z.object({ undone: z.number().int() }) });

/** An operator asks the saga to stop and undo what it did. */
export const AbortRequested = event('AbortRequested', {
  schema: z.object({ reason: z.string(), by: z.string() }),
  signal: true,
});

/** An operator asks a saga stuck on a failed compensation to send it again (under the same message id). */
export const RetryCompensation = event('RetryCompensation', { schema: z.object({ by: z.string() }), signal: true });

/** An operator declares a failed compensation handled by hand; the saga goes on with the next one. */
export const ResolveCompensation = event('ResolveCompensation', {
  schema: z.object({ by: z.string(), note: z.string().optional() }),
  signal: true,
});

/** Events only the engine produces: one that arrives from outside is refused. */
export const ENGINE_EVENTS: readonly string[] = [StepFailed.type, CompensationsCompleted.type];

/** Handled by the engine itself, whatever the machine: every saga declares them. */
export const ENGINE_HANDLED_EVENTS = [CommandFailed, RetryCompensation, ResolveCompensation] as const;

/** Declared for a saga whose machine reacts to them. */
export const MACHINE_BUILTIN_EVENTS = [StepFailed, CompensationsCompleted, AbortRequested] as const;

/** Every event Baton declares for a saga: a saga's own contracts are the others. */
export const BUILTIN_EVENTS = [...ENGINE_HANDLED_EVENTS, ...MACHINE_BUILTIN_EVENTS] as const;
