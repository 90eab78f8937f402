import type { CompatibilityMode } from '@baton/core';

/**
 * Which way a comparison reads: `backward`, the new schema reads what the
 * previous one wrote (receivers upgrade first); `forward`, the previous
 * schema reads what the new one writes (senders upgrade first).
 */
export type Direction = 'backward' | 'forward';

/** The directions a mode checks: BACKWARD one, FORWARD the other, FULL both, NONE neither. */
export function directionsOf(mode: CompatibilityMode): Direction[] {
  if (mode === 'NONE') return [];
  if (mode.startsWith('BACKWARD')) return ['backward'];
  if (mode.startsWith('FORWARD')) return ['forward'];
  return ['backward', 'forward'];
}

/** Whether a mode holds against every earlier version in the snapshot, not only the latest. */
export const isTransitive = (mode: CompatibilityMode) => mode.endsWith('_TRANSITIVE');
