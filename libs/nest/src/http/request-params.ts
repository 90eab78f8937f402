import { isUuid } from '@baton/core';
import { badRequest } from './problem.exception';

/** A saga id from the path, lower-cased; a 400 problem if it is not a uuid. */
export function sagaIdParam(id: string): string {
  if (!isUuid(id)) throw badRequest('malformed-id', `"${id}" is not a saga id; saga ids are UUIDs.`);
  return id.toLowerCase();
}

/** Cursors are opaque to clients: the id of the last item on the page, base64url-encoded. */
export function encodeCursor(lastId: string): string {
  return Buffer.from(lastId, 'utf8').toString('base64url');
}

/**
 * `limit` (1..500, default 50) and `cursor` of a keyset-paginated listing;
 * 400 problems for a bad limit or a cursor this API did not hand out.
 */
export function pageParams(limit: string | undefined, cursor: string | undefined, isId: (id: string) => boolean) {
  const size = limit === undefined ? 50 : Number(limit);
  if (!Number.isInteger(size) || size < 1 || size > 500) {
    throw badRequest('invalid-limit', `limit must be an integer from 1 to 500; got "${limit}".`);
  }
  const lastId = cursor === undefined ? undefined : Buffer.from(cursor, 'base64url').toString('utf8');
  if (lastId !== undefined && !isId(lastId)) {
    throw badRequest('invalid-cursor', 'cursor is not one this API returned; pass nextCursor unchanged.');
  }
  return { limit: size, lastId };
}
