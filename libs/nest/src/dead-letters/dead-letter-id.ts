import { badRequest } from '../http/problem.exception';

/** Ids are bigserial: a positive whole number that fits in 63 bits. */
const ID = /^[1-9][0-9]{0,18}$/;
const MAX_ID = 2n ** 63n - 1n;

export const isDeadLetterId = (value: string): boolean => ID.test(value) && BigInt(value) <= MAX_ID;

/** A dead-letter id from the path; a 400 problem if it is not one. */
export function deadLetterIdParam(id: string): string {
  if (!isDeadLetterId(id)) throw badRequest('malformed-id', `"${id}" is not a dead-letter id; dead-letter ids are positive whole numbers.`);
  return id;
}
