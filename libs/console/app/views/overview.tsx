// Overview: is the system healthy? Throughput, sagas in flight, dead
// letters, outbox lag and overdue timers as small charts (GET /overview,
// sampled by the host), and where the sagas in flight are.
import { useEffect, useState } from 'preact/hooks';
import { api, describeError } from '../api';
import { Sparkline } from '../components/sparkline';
import { duration } from '../format';
import { href } from '../router';
import { useSession } from '../session';

interface Sample {
  at: string;
  stepsPerSecond: number;
  startedPerSecond: number;
  endedPerSecond: number;
  inFlight: number;
  deadLettersOpen: number;
  outboxBacklog: number;
  outboxOldestAgeMs: number;
  timersOverdue: number;
}

interface Overview {
  at: string;
  sampleIntervalMs: number;
  current: {
    inFlight: Record<string, number>;
    inFlightByState: Array<{ name: string; status: string; states: string[]; count: number }>;
    deadLettersOpen: number;
    outbox: { backlog: number; oldestAgeMs: number };
    timers: { due: number; overdue: number };
  };
  series: Sample[];
}

/** How often the page asks again: the host samples every few seconds, so asking faster shows nothing new. */
const REFRESH_MS = 5000;

export function OverviewView() {
  const session = useSession();
  const [overview, setOverview] = useState<Overview | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout>;
    const load = async () => {
      try {
        const next = await api<Overview>('GET', '/overview');
        if (!stopped) {
          setOverview(next);
          setError(null);
        }
      } catch (e) {
        if (!stopped) setError(describeError(e));
      }
      if (!stopped) timer = setTimeout(load, Math.max(REFRESH_MS, overview?.sampleIntervalMs ?? 0));
    };
    void load();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [session.whoami]);

  if (!overview) return <div class="view"><h1>Overview</h1>{error ? <p class="error" role="alert">{error}</p> : <p class="muted">Loading…</p>}</div>;
  const series = (pick: (s: Sample) => number) => overview.series.map(pick);
  const { current } = overview;
  const stuck = current.inFlight.stuck ?? 0;
  const maxGroup = Math.max(1, ...current.inFlightByState.map((g) => g.count));
  const healthy = !stuck && !current.deadLettersOpen && !current.timers.overdue && current.outbox.oldestAgeMs < 10_000;
  return (
    <div class="view overview">
      <h1>Overview</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <p class={`health ${healthy ? 'ok' : 'attention'}`} role="status">
        {healthy
          ? 'Healthy: nothing stuck, no open dead letters, no overdue timers, the outbox keeps up.'
          : [
              stuck ? `${stuck} stuck saga(s)` : '',
              current.deadLettersOpen ? `${current.deadLettersOpen} open dead letter(s)` : '',
              current.timers.overdue ? `${current.timers.overdue} overdue timer(s)` : '',
              current.outbox.oldestAgeMs >= 10_000 ? `outbox ${duration(current.outbox.oldestAgeMs)} behind` : '',
            ].filter(Boolean).join(' · ') + ' need attention.'}
      </p>
      <div class="cards">
        <a class="card" href={href('sagas', { status: 'running' })}><span>Running</span><strong>{current.inFlight.running ?? 0}</strong></a>
        <a class="card" href={href('sagas', { status: 'compensating' })}><span>Compensating</span><strong>{current.inFlight.compensating ?? 0}</strong></a>
        <a class={`card ${stuck ? 'bad' : ''}`} href={href('sagas', { status: 'stuck' })}><span>Stuck</span><strong>{stuck}</strong></a>
        <a class={`card ${current.deadLettersOpen ? 'bad' : ''}`} href={href('dead-letters')}><span>Open dead letters</span><strong>{current.deadLettersOpen}</strong></a>
        <div class="card"><span>Outbox backlog</span><strong>{current.outbox.backlog}</strong><small>{current.outbox.backlog ? `oldest ${duration(current.outbox.oldestAgeMs)}` : 'empty'}</small></div>
        <div class={`card ${current.timers.overdue ? 'bad' : ''}`}><span>Timers overdue</span><strong>{current.timers.overdue}</strong><small>{current.timers.due} due</small></div>
      </div>
      <h2>Last {duration(overview.series.length * overview.sampleIntervalMs)} <small class="muted">(sampled every {duration(overview.sampleIntervalMs)}; rates are this host's)</small></h2>
      <div class="sparks">
        <Sparkline label="Steps / s" values={series((s) => s.stepsPerSecond)} />
        <Sparkline label="Sagas started / s" values={series((s) => s.startedPerSecond)} />
        <Sparkline label="Sagas ended / s" values={series((s) => s.endedPerSecond)} />
        <Sparkline label="In flight" values={series((s) => s.inFlight)} />
        <Sparkline label="Open dead letters" values={series((s) => s.deadLettersOpen)} danger={(v) => v > 0} />
        <Sparkline label="Outbox lag" unit=" ms" values={series((s) => s.outboxOldestAgeMs)} danger={(v) => v >= 10_000} />
        <Sparkline label="Timers overdue" values={series((s) => s.timersOverdue)} danger={(v) => v > 0} />
      </div>
      <h2>In flight, by state</h2>
      {current.inFlightByState.length ? (
        <div class="table-wrap">
        <table class="by-state">
          <tbody>
            {current.inFlightByState.map((group) => (
              <tr key={`${group.name}|${group.status}|${group.states.join(',')}`}>
                <td>{group.name}</td>
                <td><span class={`badge status-${group.status}`}>{group.status}</span></td>
                <td class="state">
                  {group.states.map((state) => (
                    <div key={state}><a href={href('sagas', { name: group.name, state, status: group.status })}>{state}</a></div>
                  ))}
                </td>
                <td class="bar-cell"><span class="bar" style={{ width: `${(group.count / maxGroup) * 100}%` }} /></td>
                <td class="num">{group.count}</td>
              </tr>
            ))}
          </tbody>
        </table>
        </div>
      ) : (
        <p class="muted">No saga is in flight.</p>
      )}
    </div>
  );
}
