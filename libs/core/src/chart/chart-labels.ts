import type { SagaDefinition } from '../definition/saga-definition';

/**
 * A guard as the machine gives it, by name: `'somethingFailed'`,
 * `{ type: 'aborted' }`, a step's `failed` (`reserveStock failed`), XState's
 * `and`/`or`/`not`/`stateIn`, or a named function. An inline arrow function
 * has no name to show: `guard`.
 */
export function guardName(guard: unknown, definition: SagaDefinition): string {
  if (typeof guard === 'string') return guard;
  if (typeof guard === 'object' && guard !== null && typeof (guard as { type?: unknown }).type === 'string') {
    return (guard as { type: string }).type;
  }
  if (typeof guard !== 'function') return 'guard';
  for (const step of definition.steps.values()) if (step.failed === guard) return `${step.name} failed`;
  const composite = guard as { check?: unknown; guards?: unknown[]; stateValue?: unknown; name: string };
  if (composite.check && Array.isArray(composite.guards)) {
    const parts = composite.guards.map((inner) => guardName(inner, definition));
    if (composite.name === 'not') return `!${parts[0]}`;
    return `(${parts.join(composite.name === 'or' ? ' || ' : ' && ')})`;
  }
  if (composite.check && composite.stateValue !== undefined) return `in ${JSON.stringify(composite.stateValue)}`;
  // An inline `guard: (...) => ...` takes the property's name.
  return composite.name && composite.name !== 'guard' ? composite.name : 'guard';
}

/** A delay in words: `500 ms`, `30 s`, `1.5 s`, `2 min`, `1 h`. */
export function formatDelay(ms: number): string {
  if (ms < 1000) return `${ms} ms`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  if (ms % 60_000 === 0) return `${ms / 60_000} min`;
  return `${Number((ms / 1000).toFixed(3))} s`;
}

/**
 * An `after` transition's delay in milliseconds, when the definition fixes
 * it: a number, or a named delay whose implementation is a number. A delay
 * computed by a function (from the context, say) has none until it runs.
 */
export function delayMs(delay: unknown, definition: SagaDefinition): number | undefined {
  if (typeof delay === 'number') return delay;
  if (typeof delay !== 'string') return undefined;
  if (/^\d+$/.test(delay)) return Number(delay);
  const value = (definition.machine.implementations?.delays as Record<string, unknown> | undefined)?.[delay];
  return typeof value === 'number' ? value : undefined;
}

/** An `after` transition's delay: `paymentTimeout (30 s)` when the machine's implementations give its value, `5 s` for a number. */
export function delayLabel(delay: unknown, definition: SagaDefinition): string {
  if (typeof delay === 'number') return formatDelay(delay);
  if (typeof delay !== 'string') return 'a delay';
  const ms = delayMs(delay, definition);
  if (/^\d+$/.test(delay)) return formatDelay(ms!);
  return ms !== undefined ? `${delay} (${formatDelay(ms)})` : delay;
}
