import type { DeadLetterRecord } from '@baton/postgres';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';

/** The problems the dead-letter endpoints answer with, each saying what to do next. */

export function deadLetterNotFound(id: string): ProblemException {
  return new ProblemException({
    type: PROBLEM_BASE + 'dead-letter-not-found',
    title: 'Dead letter not found',
    status: 404,
    detail: `No dead letter has id ${id}. GET /dead-letters?status=open|replayed|discarded lists them.`,
  });
}

export function deadLetterNotOpen(letter: DeadLetterRecord, replayOutcome?: string): ProblemException {
  const how =
    letter.status === 'replayed'
      ? `was already replayed by ${letter.replayedBy} at ${letter.replayedAt?.toISOString()} (${letter.replayOutcome})`
      : `was already discarded by ${letter.discardedBy} at ${letter.discardedAt?.toISOString()}`;
  const meanwhile = replayOutcome
    ? ` while this replay ran; the replay itself was ${replayOutcome}, and the inbox keeps a message from being applied twice`
    : '';
  return new ProblemException({
    type: PROBLEM_BASE + 'dead-letter-not-open',
    title: 'Dead letter already dealt with',
    status: 409,
    detail: `Dead letter ${letter.id} ${how}${meanwhile}. Only open dead letters can be replayed or discarded; nothing was changed.`,
    deadLetterStatus: letter.status,
  });
}

export function deadLetterNotReplayable(id: string, why: string): ProblemException {
  return new ProblemException({
    type: PROBLEM_BASE + 'dead-letter-not-replayable',
    title: 'Dead letter cannot be replayed',
    status: 409,
    detail: `Dead letter ${id} cannot be replayed: ${why}. Inspect it with GET /dead-letters/${id}, and discard it once the sender is fixed.`,
  });
}

export function replayFailed(id: string, reason: string): ProblemException {
  return new ProblemException({
    type: PROBLEM_BASE + 'replay-failed',
    title: 'Replay failed',
    status: 409,
    detail:
      `Dead letter ${id} failed again and stays open: ${/[.!?]$/.test(reason) ? reason : `${reason}.`} ` +
      `Fix the cause (deploy the saga version it needs, restore the saga) and replay it again, or discard it.`,
    reason,
  });
}
