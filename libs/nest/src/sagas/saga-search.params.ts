import { TERMINAL_STATUSES, type SagaRegistry, type SagaStatus } from '@baton/core';
import type { SagaSearch } from '@baton/postgres';
import { badRequest } from '../http/problem.exception';

export const SAGA_STATUSES: SagaStatus[] = ['running', 'compensating', 'stuck', ...TERMINAL_STATUSES];

const ISO_8601 = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const STATE_SEGMENT = /^[^.\s]+$/;
const TIME_PARAMS = ['startedAfter', 'startedBefore', 'updatedAfter', 'updatedBefore'] as const;

/** 2026-02-30 is not a day, though Date rolls it over to March. */
function realDay(value: string): boolean {
  const [year, month, day] = value.slice(0, 10).split('-').map(Number);
  return new Date(Date.UTC(year, month - 1, day)).getUTCDate() === day;
}

function invalid(parameter: string, detail: string): never {
  throw badRequest('invalid-parameter', `${parameter}: ${detail}`, { parameter });
}

function text(query: Record<string, unknown>, parameter: string): string | undefined {
  const value = query[parameter];
  if (value === undefined) return undefined;
  if (typeof value !== 'string') invalid(parameter, 'give it once, as a single value.');
  if (value.length === 0 || value.length > 1000) invalid(parameter, 'must be 1 to 1000 characters; leave it out to not filter by it.');
  return value;
}

/**
 * The search filters of GET /sagas and GET /sagas/counts from the query
 * string; a 400 problem naming the parameter for any bad value.
 */
export function sagaSearchParams(query: Record<string, unknown>, registry: SagaRegistry): SagaSearch {
  const search: SagaSearch = {};
  const name = text(query, 'name');
  if (name !== undefined) {
    if (!registry.latest(name)) {
      throw badRequest('unknown-saga', `No saga is defined with name "${name}".`, { parameter: 'name', known: registry.names() });
    }
    search.name = name;
  }
  const version = text(query, 'version');
  if (version !== undefined) {
    if (name === undefined) invalid('version', 'a definition version means nothing without the saga name; add name=<saga name>.');
    const number = Number(version);
    if (!/^\d+$/.test(version) || !Number.isSafeInteger(number) || number < 1) {
      invalid('version', `must be a positive integer (a definition version of "${name}"); got "${version}".`);
    }
    search.version = number;
  }
  const status = text(query, 'status');
  if (status !== undefined) {
    if (!SAGA_STATUSES.includes(status as SagaStatus)) {
      throw badRequest('invalid-status', `status must be one of ${SAGA_STATUSES.join(', ')}; got "${status}".`, { parameter: 'status' });
    }
    search.status = status;
  }
  const state = text(query, 'state');
  if (state !== undefined) {
    const path = state.split('.');
    if (!path.every((segment) => STATE_SEGMENT.test(segment))) {
      invalid('state', `must be a dotted state path such as "securing.payment.authorizing" (no empty segments or spaces); got "${state}".`);
    }
    search.state = path;
    search.stateNotFinal = !endsIn(registry, path, search.name);
  }
  for (const parameter of TIME_PARAMS) {
    const value = text(query, parameter);
    if (value === undefined) continue;
    const time = new Date(value);
    if (!ISO_8601.test(value) || Number.isNaN(time.getTime()) || !realDay(value)) {
      invalid(parameter, `must be an ISO-8601 date or time such as "2026-01-31T12:00:00Z"; got "${value}".`);
    }
    search[parameter] = time;
  }
  const correlationId = text(query, 'correlationId');
  if (correlationId !== undefined) search.correlationId = correlationId;
  const key = text(query, 'key');
  if (key !== undefined) search.idempotencyKey = key;
  const input: Array<{ path: string[]; value: string }> = [];
  for (const parameter of Object.keys(query).filter((p) => p.startsWith('input.'))) {
    const path = parameter.slice('input.'.length).split('.');
    if (!path.every((segment) => segment.length > 0)) {
      invalid(parameter, 'name a field of the start input after "input.", such as input.orderId=o-1.');
    }
    const value = text(query, parameter)!;
    input.push({ path, value });
  }
  if (input.length) search.input = input;
  const misnamed = Object.keys(query).find((p) => p.startsWith('input') && !p.startsWith('input.'));
  if (misnamed !== undefined) invalid(misnamed, 'name a field of the start input after "input.", such as input.orderId=o-1.');
  return search;
}

/**
 * Whether a saga (of `name`, or of any saga the host runs) can have ended in
 * the state `path`: a top-level final state of one of the registered
 * definitions. A saga ends in such a state, or is parked (status failed)
 * wherever it was.
 */
function endsIn(registry: SagaRegistry, path: readonly string[], name: string | undefined): boolean {
  if (path.length > 1) return false;
  return (name ? [name] : registry.names()).some((saga) =>
    registry.versions(saga).some((version) => (registry.get(saga, version)?.machine.root.states[path[0]] as { type?: string } | undefined)?.type === 'final'),
  );
}
