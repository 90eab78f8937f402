import type { z } from 'zod';
import { findUnstorable } from '../transport/storable-json';
import type { MessageContract } from './message-contract';

/** One field that failed its schema: a dotted path and what is wrong with it. */
export interface FieldIssue {
  readonly path: string;
  readonly message: string;
}

export type ValidationResult<T> = { ok: true; value: T } | { ok: false; issues: FieldIssue[] };

/** Flattens zod issues into `{ path, message }` pairs that can be shown to a user. */
export function toFieldIssues(error: z.ZodError): FieldIssue[] {
  return error.issues.map((issue) => ({
    path: issue.path.length ? issue.path.map(String).join('.') : '(root)',
    message: issue.message,
  }));
}

/** Validates `value` against a zod schema, as `{ ok, value }` or `{ ok: false, issues }` with dotted field paths. */
export function validateWith<T>(schema: z.ZodType<T>, value: unknown): ValidationResult<T> {
  const parsed = schema.safeParse(value);
  return parsed.success ? { ok: true, value: parsed.data } : { ok: false, issues: toFieldIssues(parsed.error) };
}

/**
 * Validates a payload against its contract, upcasting it first when the sender
 * used an older schema version. A newer version than ours is accepted as long
 * as it still satisfies our schema (additive changes are compatible). What
 * passes must also be text the database can keep (docs/wire-protocol.md,
 * "Text"), whoever built it: a user's input, a signal, or a command payload
 * a saga computed.
 */
export function validatePayload<C extends MessageContract>(
  contract: C,
  payload: unknown,
  senderVersion: number = contract.version,
): ValidationResult<z.infer<C['schema']>> {
  const upcasted =
    senderVersion < contract.version && contract.upcast ? contract.upcast(payload, senderVersion) : payload;
  const result = validateWith(contract.schema, upcasted) as ValidationResult<z.infer<C['schema']>>;
  if (!result.ok) return result;
  const unstorable = findUnstorable(result.value);
  return unstorable ? { ok: false, issues: [{ path: dottedPath(unstorable.path), message: unstorable.problem }] } : result;
}

/** A JSON pointer as the dotted path FieldIssue uses ('/items/0/sku' → 'items.0.sku'). */
function dottedPath(pointer: string): string {
  if (!pointer) return '(root)';
  return pointer
    .slice(1)
    .split('/')
    .map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'))
    .join('.');
}

/** Field issues as one line of text: "path: message" pairs joined by semicolons. */
export function describeIssues(issues: FieldIssue[]): string {
  return issues.map((i) => `${i.path}: ${i.message}`).join('; ');
}
