// A view's live stream: opened while the view shows, its status on the
// top bar's indicator, closed when the view goes.
import { useEffect, useRef } from 'preact/hooks';
import { LiveStream, type StepEvent } from './live';
import { getSession, updateSession } from './session';

export function useLive(filter: { id?: string; name?: string }, onStep: (event: StepEvent) => void, onReload: () => void, enabled = true): void {
  const handlers = useRef({ onStep, onReload });
  handlers.current = { onStep, onReload };
  const key = `${filter.id ?? ''}|${filter.name ?? ''}|${enabled}|${getSession().whoami?.name ?? ''}`;
  useEffect(() => {
    if (!enabled) return;
    const stream = new LiveStream(filter, {
      onStep: (event) => handlers.current.onStep(event),
      onReload: () => handlers.current.onReload(),
      onStatus: (status, detail) => updateSession({ live: { status, detail, reconnect: () => stream.reconnect() } }),
    });
    stream.start();
    return () => {
      stream.close();
      updateSession({ live: { status: 'idle' } });
    };
  }, [key]);
}

/** Calls `fn` at most once per `ms`, the last call winning. */
export function useThrottle(fn: () => void, ms: number): () => void {
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => () => void (timer.current && clearTimeout(timer.current)), []);
  return () => {
    if (timer.current) return;
    timer.current = setTimeout(() => {
      timer.current = null;
      latest.current();
    }, ms);
  };
}
