import type { Logger } from '@nestjs/common';
import { badRequest } from './problem.exception';

/** The most items one batch action takes; a larger batch is split by the caller. */
export const MAX_BATCH_IDS = 100;

/** What became of one item of a batch action (sagas or dead letters). */
export interface BatchResult {
  id: string;
  /** done: acted on, as the single action would; skipped: the item is not in a state the action applies to (or does not exist); failed: an error. */
  outcome: 'done' | 'skipped' | 'failed';
  detail: string;
}

/** The OpenAPI answer of a batch action. */
export const BATCH_RESULTS = {
  status: 200,
  description: 'One result per id, in the order given',
  schema: {
    type: 'object',
    properties: {
      results: {
        type: 'array',
        items: {
          type: 'object',
          properties: { id: { type: 'string' }, outcome: { type: 'string', enum: ['done', 'skipped', 'failed'] }, detail: { type: 'string' } },
        },
      },
    },
  },
};

/**
 * The `ids` of a batch body: 1 to MAX_BATCH_IDS of them, each one that
 * `isId` accepts (`kind` names them in the problem, e.g. "saga ids (UUIDs)"),
 * none twice after `normalise`; a 400 problem naming the field otherwise, and
 * nothing is done.
 */
export function batchIds(body: unknown, kind: string, isId: (id: string) => boolean, normalise: (id: string) => string = (id) => id): string[] {
  const ids = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as { ids?: unknown }).ids : undefined;
  if (!Array.isArray(ids) || ids.length < 1 || ids.length > MAX_BATCH_IDS) {
    throw badRequest('invalid-body', `"ids" must be an array of 1 to ${MAX_BATCH_IDS} ${kind}; split a larger batch. Nothing was done.`, {
      errors: [{ field: 'ids', message: `must be an array of 1 to ${MAX_BATCH_IDS} ${kind}` }],
    });
  }
  const bad = ids.find((id) => typeof id !== 'string' || !isId(id));
  if (bad !== undefined) {
    throw badRequest('invalid-body', `"ids" must hold ${kind}; ${JSON.stringify(bad)} is not one. Nothing was done.`, {
      errors: [{ field: 'ids', message: `must hold ${kind}` }],
    });
  }
  const normalised = (ids as string[]).map(normalise);
  const twice = normalised.find((id, i) => normalised.indexOf(id) !== i);
  if (twice !== undefined) {
    throw badRequest('invalid-body', `"ids" names ${twice} twice; give each once. Nothing was done.`, {
      errors: [{ field: 'ids', message: 'must not repeat an id' }],
    });
  }
  return normalised;
}

/**
 * Acts on each id in turn, as the single action does: `act`'s answer is the
 * id's `done` detail; an error `explain` knows (not found, not in a state the
 * action applies to) is its result; any other is logged and `failed`. One
 * id's error never stops the others.
 */
export async function eachInTurn(
  ids: readonly string[],
  act: (id: string) => Promise<string>,
  explain: (id: string, error: unknown) => BatchResult | undefined | Promise<BatchResult | undefined>,
  logger: Logger,
  what: string,
): Promise<BatchResult[]> {
  const results: BatchResult[] = [];
  for (const id of ids) {
    try {
      results.push({ id, outcome: 'done', detail: await act(id) });
    } catch (error) {
      const known = await explain(id, error);
      if (!known) logger.error(`${what} ${id} failed`, error instanceof Error ? error.stack : String(error));
      results.push(known ?? { id, outcome: 'failed', detail: error instanceof Error ? error.message : String(error) });
    }
  }
  return results;
}
