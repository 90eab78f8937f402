// Who the console acts as: the role of the key in use (GET /auth/whoami),
// and the live indicator's state. A tiny store: views subscribe with useSession.
import { useEffect, useState } from 'preact/hooks';
import type { LiveStatus } from './live';
import type { Whoami } from './types';

export interface Session {
  whoami: Whoami | null;
  /** The key was refused, or reads need one and none is given. */
  needsKey: boolean;
  live: { status: LiveStatus | 'idle'; detail?: string; reconnect?: () => void };
}

let session: Session = { whoami: null, needsKey: false, live: { status: 'idle' } };
const listeners = new Set<() => void>();

export const getSession = () => session;

export function updateSession(change: Partial<Session>): void {
  session = { ...session, ...change };
  listeners.forEach((listener) => listener());
}

export function useSession(): Session {
  const [, setTick] = useState(0);
  useEffect(() => {
    const listener = () => setTick((n) => n + 1);
    listeners.add(listener);
    return () => void listeners.delete(listener);
  }, []);
  return session;
}

export const canAct = (s: Session) => s.whoami?.role === 'operator';
