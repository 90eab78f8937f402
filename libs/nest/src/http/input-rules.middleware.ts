import type { IncomingMessage } from 'node:http';
import type { NextFunction, Request, Response } from 'express';
import { MAX_JSON_DEPTH, findUnstorable, invalidUtf8Offset } from '@baton/core';
import { PROBLEM_BASE, ProblemException, type Problem } from './problem.exception';
import { sendProblem } from './problem-details.filter';

/**
 * The rules every request meets before a route sees it, whatever the route:
 * a body is UTF-8 JSON, sent as such; a query parameter comes once; the path, the query and the body hold
 * only text the database can store (valid Unicode without U+0000, JSON at
 * most 64 levels deep); percent-encoding in the URL is of UTF-8. A request
 * that breaks one is answered with a 4xx problem and reaches no route, so it
 * changes nothing. `urlAndMediaType` runs before the body is read, the JSON
 * parser calls `verifyUtf8Body`, and `storableBody` runs on what it parsed.
 */

type Field = { field: string; message: string };

/** The only parameters that may repeat, by path: GET /sagas/events takes several saga ids (`?id=a&id=b`, as `?id=a,b`). */
const REPEATABLE: Readonly<Record<string, ReadonlySet<string>>> = { '/sagas/events': new Set(['id']) };

/** application/json, or any application/…+json, whatever its parameters. */
const JSON_MEDIA_TYPE = /^application\/(?:[\w!#$&^.+-]+\+)?json$/i;

/** A request carries a body when it says so: a Content-Length above 0, or any Transfer-Encoding. */
function hasBody(request: IncomingMessage): boolean {
  return request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length']) > 0;
}

/** Whether the body is to be read as JSON: the JSON parser's `type` too, so the two cannot disagree. */
export function isJsonBody(request: IncomingMessage): boolean {
  const mediaType = (request.headers['content-type'] ?? '').split(';')[0].trim();
  return JSON_MEDIA_TYPE.test(mediaType);
}

/** Path, query and media type: what can be judged before the body is read. */
export function urlAndMediaType(request: Request, response: Response, next: NextFunction): void {
  const problem = urlProblem(request) ?? mediaTypeProblem(request);
  if (problem) return sendProblem(response, request, problem);
  next();
}

/**
 * The JSON parser's `verify`: the body must be UTF-8, not silently read as
 * U+FFFD (a body that names another charset was refused before it was read).
 */
export function verifyUtf8Body(_request: IncomingMessage, _response: unknown, body: Buffer): void {
  const offset = invalidUtf8Offset(body);
  if (offset === undefined) return;
  const bytes = [...body.subarray(offset, offset + 4)].map((byte) => byte.toString(16).toUpperCase().padStart(2, '0')).join(' ');
  // The parser passes this on to bodyParserErrors, which answers with its problem.
  throw new ProblemException({
    type: PROBLEM_BASE + 'invalid-utf8',
    title: 'Body is not UTF-8',
    status: 400,
    detail:
      `The request body is not valid UTF-8 at byte offset ${offset} (bytes ${bytes}). ` +
      'Send JSON encoded as UTF-8: no stray bytes, overlong forms or encoded surrogates.',
    byteOffset: offset,
  });
}

/** Every string and key of the parsed body is storable text, and it nests at most 64 levels. */
export function storableBody(request: Request, response: Response, next: NextFunction): void {
  const found = request.body === undefined ? undefined : findUnstorable(request.body);
  if (found) return sendProblem(response, request, unstorable([{ field: found.path, message: found.problem }]));
  next();
}

/** The charset a Content-Type names, lower-cased; undefined when it names none. */
function charsetOf(contentType: string): string | undefined {
  const match = /;\s*charset\s*=\s*"?([^";\s]+)"?/i.exec(contentType);
  return match?.[1].toLowerCase();
}

function mediaTypeProblem(request: Request): Problem | undefined {
  if (!hasBody(request)) return undefined;
  const sent = request.headers['content-type'];
  const charset = sent === undefined ? undefined : charsetOf(sent);
  if (isJsonBody(request) && charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    // RFC 8259, section 8.1: JSON exchanged between systems is UTF-8.
    return {
      type: PROBLEM_BASE + 'unsupported-encoding',
      title: 'Unsupported body encoding',
      status: 415,
      detail: `A JSON body must be UTF-8; this one says charset=${quote(charset)}. Send it as UTF-8, with charset=utf-8 or no charset.`,
    };
  }
  if (isJsonBody(request)) return undefined;
  return {
    type: PROBLEM_BASE + 'unsupported-media-type',
    title: 'Unsupported media type',
    status: 415,
    detail:
      `A request body must be JSON with Content-Type: application/json (or application/*+json); ` +
      `this one came ${sent === undefined ? 'without a Content-Type' : `as ${quote(sent)}`}. ` +
      'Send no body at all where none is needed.',
  };
}

function urlProblem(request: Request): Problem | undefined {
  const malformed: Field[] = [];
  const refused: Field[] = [];
  const repeated: Field[] = [];

  const segments = request.path.split('/').map((raw) => ({ raw, text: decoded(raw) }));
  const undecodable = segments.find((segment) => segment.text === undefined);
  if (undecodable) {
    malformed.push({ field: 'path', message: `the segment ${quote(undecodable.raw)} is not percent-encoded UTF-8` });
  } else {
    const found = findUnstorable(segments.map((segment) => segment.text).join('/'));
    if (found) refused.push({ field: 'path', message: found.problem });
  }

  const names = new Set<string>();
  const search = request.originalUrl.indexOf('?');
  const query = search < 0 ? '' : request.originalUrl.slice(search + 1);
  for (const pair of query.split('&')) {
    if (!pair) continue;
    const split = pair.indexOf('=');
    const [rawName, rawValue] = split < 0 ? [pair, ''] : [pair.slice(0, split), pair.slice(split + 1)];
    const name = decoded(rawName.replace(/\+/g, ' '));
    const value = decoded(rawValue.replace(/\+/g, ' '));
    if (name === undefined) {
      malformed.push({ field: 'query', message: `the parameter name ${quote(rawName)} is not percent-encoded UTF-8` });
      continue;
    }
    const field = `query.${name}`;
    // Every parameter of this API has one value (but REPEATABLE's): a repeated one would reach a route as a list.
    if (names.has(name) && !REPEATABLE[request.path]?.has(name)) repeated.push({ field, message: 'is given more than once; give each parameter once' });
    names.add(name);
    if (value === undefined) {
      malformed.push({ field, message: `${quote(rawValue)} is not percent-encoded UTF-8` });
      continue;
    }
    const inName = findUnstorable(name);
    const found = inName ?? findUnstorable(value);
    if (found) refused.push({ field, message: (inName ? 'its name ' : '') + found.problem });
  }

  if (malformed.length) {
    return {
      type: PROBLEM_BASE + 'malformed-percent-encoding',
      title: 'Malformed percent-encoding',
      status: 400,
      detail:
        'The URL is not percent-encoded UTF-8: each % must be followed by two hex digits, and together they must spell ' +
        'UTF-8 (no overlong forms or encoded surrogates). Encode text as encodeURIComponent does.',
      errors: malformed,
    };
  }
  if (refused.length) return unstorable(refused);
  if (repeated.length) {
    return {
      type: PROBLEM_BASE + 'repeated-query-parameter',
      title: 'Repeated query parameter',
      status: 400,
      detail: 'Each query parameter takes one value. Send each parameter once.',
      errors: repeated,
    };
  }
  return undefined;
}

function unstorable(errors: Field[]): Problem {
  return {
    type: PROBLEM_BASE + 'unstorable-input',
    title: 'Input that cannot be stored',
    status: 400,
    detail:
      'Text must be valid Unicode without U+0000 (NUL) and without unpaired surrogates, and JSON may nest at most ' +
      `${MAX_JSON_DEPTH} levels deep. Fix the fields listed in errors and send the request again.`,
    errors,
  };
}

/** The text `raw` percent-decodes to, or undefined when its escapes are not UTF-8. */
function decoded(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/** `text` in quotes for a message, cut short if long. */
function quote(text: string): string {
  return JSON.stringify(text.length > 64 ? `${text.slice(0, 64)}…` : text);
}
