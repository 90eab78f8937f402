// One saga: its statechart with where it is and how it got there, its
// timeline, what it waits on, its data, and the actions its state allows.
import { useEffect, useMemo, useState } from 'preact/hooks';
import { api, consoleConfig, describeError, query } from '../api';
import { indexChart, timerState, trailOf, type ChartIndex } from '../chart';
import { Diagram, type DiagramTimer } from '../components/diagram';
import { Dialog, ReasonDialog } from '../components/dialog';
import { JsonTree } from '../components/json-tree';
import { initialValue, payloadOf, SchemaFields } from '../components/schema-form';
import { StatusBadge } from '../components/status-badge';
import { ago, duration, shortId, stateText, time } from '../format';
import { href } from '../router';
import { canAct, useSession } from '../session';
import type { Definition, HistoryEntry, SagaChart, SagaDetail } from '../types';
import { useLive, useThrottle } from '../use-live';

const TERMINAL = ['completed', 'compensated', 'failed', 'aborted'];

type Action = { kind: 'abort' } | { kind: 'retry' } | { kind: 'resolve' } | { kind: 'signal'; type: string };

function Timeline({ history }: { history: HistoryEntry[] }) {
  const start = history.length ? new Date(history[0].at).getTime() : 0;
  const seen = new Map<string, number>();
  return (
    <div class="table-wrap">
      <table class="timeline">
        <thead>
          <tr>
            <th>#</th>
            <th>At</th>
            <th>+ from start</th>
            <th>Input</th>
            <th>Actor</th>
            <th>From → to</th>
            <th>Commands sent</th>
          </tr>
        </thead>
        <tbody>
          {history.map((entry, i) => {
            const at = new Date(entry.at).getTime();
            const previous = i ? new Date(history[i - 1].at).getTime() : at;
            return (
              <tr key={entry.id} data-history-id={entry.id} data-event={entry.event} class={`kind-${entry.kind}`}>
                <td>{entry.version}</td>
                <td class="nowrap" title={entry.at}>{time(entry.at)}</td>
                <td class="nowrap">
                  {duration(at - start)}
                  {i > 0 && <div class="muted small">Δ {duration(at - previous)}</div>}
                </td>
                <td>
                  <span class="kind">{entry.kind}</span> <strong>{entry.event}</strong>
                  {entry.note && <div class="note">“{entry.note}”</div>}
                </td>
                <td class="small">{entry.actor}</td>
                <td class="small">
                  {stateText(entry.from)} → <strong>{stateText(entry.to)}</strong>
                  <div><span class={`badge status-${entry.status}`}>{entry.status}</span></div>
                </td>
                <td class="small">
                  {entry.commands.map((c) => {
                    const attempt = (seen.get(c.messageId) ?? 0) + 1;
                    seen.set(c.messageId, attempt);
                    return (
                      <div key={`${c.messageId}-${attempt}`} title={c.messageId}>
                        {c.type} → {c.participant}
                        {attempt > 1 ? <span class="attempt"> attempt {attempt}</span> : null}
                      </div>
                    );
                  })}
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

function SignalDialog({ saga, definition, type, onClose, onDone }: { saga: SagaDetail; definition: Definition | null; type: string; onClose: () => void; onDone: () => void }) {
  const contract = definition?.events.find((e) => e.type === type);
  const [value, setValue] = useState<unknown>(() => (contract ? initialValue(contract.schema) : {}));
  return (
    <Dialog
      title={`Send ${type}`}
      confirm="Send signal"
      onClose={onClose}
      onConfirm={async () => {
        await api('POST', `/sagas/${saga.id}/signals/${encodeURIComponent(type)}`, contract ? payloadOf(contract.schema, value) : {}).catch((e) => {
          throw new Error(describeError(e));
        });
        onDone();
      }}
    >
      <p class="muted">The payload is checked against the signal's schema; the saga records it in its history with your key's name.</p>
      {contract ? <SchemaFields schema={contract.schema} value={value} onChange={setValue} /> : <p class="error">This saga's definition has no contract for {type}.</p>}
    </Dialog>
  );
}

export function SagaDetailView({ id }: { id: string }) {
  const session = useSession();
  const [saga, setSaga] = useState<SagaDetail | null>(null);
  const [history, setHistory] = useState<HistoryEntry[]>([]);
  const [chart, setChart] = useState<ChartIndex | null>(null);
  const [definition, setDefinition] = useState<Definition | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const load = async () => {
    try {
      const [s, h] = await Promise.all([api<SagaDetail>('GET', `/sagas/${id}`), api<{ items: HistoryEntry[] }>('GET', `/sagas/${id}/history`)]);
      setSaga(s);
      setHistory(h.items);
      setError(null);
    } catch (e) {
      setError(describeError(e));
    }
  };
  useEffect(() => {
    setSaga(null);
    setChart(null);
    void load();
  }, [id, session.whoami]);
  const name = saga?.name;
  const version = saga?.definitionVersion;
  useEffect(() => {
    if (!name || !version) return;
    const params = `${query({ version })}`;
    api<SagaChart>('GET', `/definitions/${encodeURIComponent(name)}/chart${params}`).then((c) => setChart(indexChart(c)), (e) => setError(describeError(e)));
    api<Definition>('GET', `/definitions/${encodeURIComponent(name)}${params}`).then(setDefinition, () => undefined);
  }, [name, version]);

  const reload = useThrottle(() => void load(), 250);
  useLive({ id }, reload, reload, !!saga);

  const trail = useMemo(() => (chart && saga ? trailOf(chart, history, saga.state) : undefined), [chart, history, saga?.state]);
  const timers = useMemo<DiagramTimer[]>(
    () =>
      chart && saga?.timers
        ? saga.timers.flatMap((t) => {
            const state = timerState(chart, t.key);
            return state ? [{ stateId: state.id, dueAt: t.dueAt, label: state.timers[0]?.delay ?? 'timer' }] : [];
          })
        : [],
    [chart, saga?.timers],
  );

  if (error && !saga) return <div class="view"><p class="error" role="alert">{error}</p></div>;
  if (!saga) return <div class="view"><p class="muted">Loading saga {id}…</p></div>;

  const ended = TERMINAL.includes(saga.status);
  const accepted = saga.signalsAcceptedNow ?? [];
  const operator = canAct(session);
  const mayRetry = !ended && (saga.status === 'stuck' || (saga.inFlight?.length ?? 0) > 0);
  const mayResolve = saga.status === 'stuck';
  const mayAbort = !ended && accepted.includes('AbortRequested');
  const traceUrl = consoleConfig().traceUrl;
  const done = (what: string) => () => {
    setAction(null);
    setNotice(what);
    void load();
  };
  const post = (path: string, body?: unknown) =>
    api('POST', `/sagas/${saga.id}/${path}`, body).catch((e) => {
      throw new Error(describeError(e));
    });

  return (
    <div class="view saga-detail">
      <p class="crumbs">
        <a href={href('sagas')}>Sagas</a> / <span class="mono">{saga.id}</span>
      </p>
      <header class="saga-head">
        <h1>
          {saga.name} <small>v{saga.definitionVersion}</small> <StatusBadge status={saga.status} />
        </h1>
        <dl class="facts">
          <dt>State</dt>
          <dd class="state" data-testid="saga-state">{stateText(saga.state)}</dd>
          <dt>Correlation id</dt>
          <dd class="mono">{saga.correlationId}</dd>
          <dt>Started</dt>
          <dd title={saga.createdAt}>{time(saga.createdAt)} ({ago(saga.createdAt)})</dd>
          <dt>Updated</dt>
          <dd title={saga.updatedAt}>{time(saga.updatedAt)}</dd>
          <dt>Ended</dt>
          <dd>{saga.endedAt ? `${time(saga.endedAt)} (took ${duration(new Date(saga.endedAt).getTime() - new Date(saga.createdAt).getTime())})` : 'not yet'}</dd>
          <dt>Trace</dt>
          <dd class="mono">
            {saga.traceId ? (traceUrl ? <a href={traceUrl.replace('{traceId}', saga.traceId)} target="_blank" rel="noopener noreferrer">{saga.traceId}</a> : saga.traceId) : '—'}
          </dd>
        </dl>
      </header>
      {error && <p class="error" role="alert">{error}</p>}
      {notice && <p class="notice" role="status">{notice}</p>}
      {operator ? (
        <section class="actions" aria-label="Actions">
          {mayRetry && <button type="button" onClick={() => setAction({ kind: 'retry' })}>Retry now</button>}
          {mayResolve && <button type="button" onClick={() => setAction({ kind: 'resolve' })}>Resolve by hand</button>}
          {mayAbort && <button type="button" class="danger" onClick={() => setAction({ kind: 'abort' })}>Abort</button>}
          {accepted.map((type) => (
            <button type="button" key={type} class="signal" onClick={() => setAction({ kind: 'signal', type })}>
              Signal {type}…
            </button>
          ))}
          {!mayRetry && !mayResolve && !mayAbort && !accepted.length && <span class="muted">No action applies in this state.</span>}
        </section>
      ) : (
        <p class="muted small">{session.whoami?.role === 'reader' ? 'Your key may read, not act.' : 'Give an operator key to act on this saga.'}</p>
      )}
      {saga.compensationFailure && (
        <section class="incident" role="alert">
          <h2>Stuck: compensation {saga.compensationFailure.command} failed</h2>
          <p>
            Step <strong>{saga.compensationFailure.step}</strong> after {saga.compensationFailure.attempts} attempts: {saga.compensationFailure.reason}
          </p>
        </section>
      )}
      <section>
        <h2>Statechart</h2>
        <Diagram name={saga.name} version={saga.definitionVersion} trail={trail} timers={timers} />
      </section>
      <div class="columns">
        <section>
          <h2>Commands in flight</h2>
          {saga.inFlight?.length ? (
            <table class="compact">
              <thead><tr><th>Step</th><th>Command</th><th>Attempt</th><th>Message id</th></tr></thead>
              <tbody>
                {saga.inFlight.map((c) => (
                  <tr key={c.messageId}><td>{c.step}</td><td>{c.type}</td><td>{c.attempt}</td><td class="mono small" title={c.messageId}>{shortId(c.messageId)}</td></tr>
                ))}
              </tbody>
            </table>
          ) : <p class="muted">None.</p>}
        </section>
        <section>
          <h2>Armed timers</h2>
          {saga.timers?.length ? (
            <table class="compact">
              <thead><tr><th>Timer</th><th>Due</th></tr></thead>
              <tbody>
                {saga.timers.map((t) => {
                  const state = chart ? timerState(chart, t.key) : undefined;
                  return (
                    <tr key={t.key}><td class="small">{state ? `${state.timers[0]?.delay ?? 'after'} on ${state.path.join('.')}` : t.key}</td><td title={t.dueAt}>{time(t.dueAt)} ({ago(t.dueAt)})</td></tr>
                  );
                })}
              </tbody>
            </table>
          ) : <p class="muted">None.</p>}
        </section>
        <section>
          <h2>Compensations armed</h2>
          {saga.compensations?.length ? (
            <ol class="compact-list">
              {saga.compensations.map((c) => (
                <li key={c.messageId}>{c.type} undoes {c.compensates} <span class="muted small">({c.because})</span></li>
              ))}
            </ol>
          ) : <p class="muted">None.</p>}
        </section>
      </div>
      <section>
        <h2>History</h2>
        <Timeline history={history} />
      </section>
      <section class="data">
        <JsonTree title="Input" value={saga.input} />
        <JsonTree title="Context" value={saga.context} />
        <JsonTree title="Output" value={saga.output} />
      </section>
      {action?.kind === 'abort' && (
        <ReasonDialog title="Abort this saga" confirm="Abort" danger onClose={() => setAction(null)} onConfirm={async (reason) => {
            await post('abort', { reason });
            done('Abort requested: steps in flight answer first, then compensation runs.')();
          }}>
          <p>It compensates what it did, newest first, and ends aborted.</p>
        </ReasonDialog>
      )}
      {action?.kind === 'retry' && (
        <ReasonDialog title="Retry now" confirm="Retry" onClose={() => setAction(null)} onConfirm={async (reason) => {
            await post('retry', { reason });
            done('Retried.')();
          }}>
          <p>{saga.status === 'stuck' ? 'The failed compensation is sent again, under the same message id.' : 'Every command in flight is sent again at once, under the same message ids.'}</p>
        </ReasonDialog>
      )}
      {action?.kind === 'resolve' && (
        <ReasonDialog title="Resolve the failed compensation by hand" confirm="Resolve" label="Note: what was done by hand (recorded in the saga history)" onClose={() => setAction(null)} onConfirm={async (note) => {
            await post('resolve', { note });
            done('Resolved: the saga goes on with the next compensation.')();
          }}>
          <p>Say that {saga.compensationFailure?.command ?? 'the compensation'} was done outside Baton; the saga goes on with the next one.</p>
        </ReasonDialog>
      )}
      {action?.kind === 'signal' && <SignalDialog saga={saga} definition={definition} type={action.type} onClose={() => setAction(null)} onDone={done(`Signal ${action.type} sent.`)} />}
    </div>
  );
}
