import { z } from 'zod';
import { event } from '../contracts/message-contract';

/**
 * Messages every saga understands. A saga lists the ones it reacts to in its
 * `events`, like any other contract.
 */

/**
 * A participant's answer that it could not carry out a command. `transient`
 * failures are retried under the step's retry policy; others fail the step.
 */
export const CommandFailed = event('CommandFailed', {
  schema: z.object({ command: z.string(), reason: z.string(), transient: z.boolean() }),
});

/** Sent into the machine by the engine when a step's retries are exhausted or it failed for good. */
export const StepFailed = event('StepFailed', {
  schema: z.object({ step: z.string(), command: z.string(), reason: z.string(), attempts: z.number().int() }),
});

/** An operator asks the saga to stop and undo what it did. */
export const AbortRequested = event('AbortRequested', {
  schema: z.object({ reason: z.string(), by: z.string() }),
  signal: true,
});

/** An operator asks a saga waiting on a failed compensation to try it again. */
export const RetryCompensation = event('RetryCompensation', { schema: z.object({ by: z.string() }), signal: true });

/** An operator declares a failed compensation handled by hand; the saga goes on with the next one. */
export const ResolveCompensation = event('ResolveCompensation', {
  schema: z.object({ by: z.string(), note: z.string().optional() }),
  signal: true,
});
