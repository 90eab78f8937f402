// Dead letters: what could not be applied, with filters, the whole record
// (its bytes shown as text and hex, never as markup), and replay or discard
// of one or many, each with what came of it.
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, query } from '../api';
import { BatchResults } from '../components/batch-results';
import { Pager } from '../components/pager';
import { Dialog, ReasonDialog } from '../components/dialog';
import { JsonTree } from '../components/json-tree';
import { ago, shortId, time } from '../format';
import { href, navigate, type Route } from '../router';
import { canAct, useSession } from '../session';
import type { BatchResult, Page } from '../types';
import { useSelection } from '../use-selection';

interface BytesView {
  base64: string;
  text?: string;
}

interface DeadLetterView {
  id: string;
  consumer: string;
  topic: string | null;
  messageId: string | null;
  messageType: string | null;
  sagaId: string | null;
  reason: string;
  attempts: number;
  firstFailedAt: string;
  lastFailedAt: string;
  status: 'open' | 'replayed' | 'discarded';
  replayed?: { at: string; by: string; outcome: string };
  discarded?: { at: string; by: string; reason: string | null };
  envelope?: unknown;
  raw?: { key: BytesView | null; value: BytesView | null; headers: Array<{ name: string; value: BytesView | null }> };
}

const FILTERS = ['status', 'consumer', 'topic', 'reason'] as const;

/** Bytes as a hex dump: offset, 16 bytes in hex, the printable ones as text (the rest as "."). */
function hexDump(base64: string): string {
  const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
  const lines: string[] = [];
  for (let offset = 0; offset < bytes.length; offset += 16) {
    const row = bytes.subarray(offset, offset + 16);
    const hex = [...row].map((b) => b.toString(16).padStart(2, '0')).join(' ');
    const text = [...row].map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    lines.push(`${offset.toString(16).padStart(6, '0')}  ${hex.padEnd(47)}  ${text}`);
  }
  return lines.join('\n') || '(no bytes)';
}

function Bytes({ label, bytes }: { label: string; bytes: BytesView | null }) {
  if (!bytes) return <p><strong>{label}</strong>: <span class="muted">none</span></p>;
  return (
    <details class="bytes" open={label === 'value'}>
      <summary>
        <strong>{label}</strong> <span class="muted small">{Math.floor((bytes.base64.length * 3) / 4)} bytes{bytes.text === undefined ? ', not UTF-8' : ''}</span>
      </summary>
      {bytes.text !== undefined && <pre class="raw-text">{bytes.text}</pre>}
      <pre class="hex">{hexDump(bytes.base64)}</pre>
    </details>
  );
}

function LetterPanel({ id, onClose, onChanged }: { id: string; onClose: () => void; onChanged: () => void }) {
  const session = useSession();
  const [letter, setLetter] = useState<DeadLetterView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [confirm, setConfirm] = useState<'replay' | 'discard' | null>(null);
  const load = () => api<DeadLetterView>('GET', `/dead-letters/${id}`).then(setLetter, (e) => setError(describeError(e)));
  useEffect(() => void load(), [id]);
  if (!letter) return <aside class="panel">{error ? <p class="error">{error}</p> : <p class="muted">Loading…</p>}</aside>;
  return (
    <aside class="panel" aria-label={`Dead letter ${letter.id}`}>
      <header>
        <h2>Dead letter {letter.id}</h2>
        <button type="button" onClick={onClose} aria-label="Close">×</button>
      </header>
      <dl class="facts">
        <dt>Status</dt><dd data-testid="letter-status">{letter.status}</dd>
        <dt>Reason</dt><dd class="reason">{letter.reason}</dd>
        <dt>Consumer</dt><dd>{letter.consumer}</dd>
        <dt>Topic</dt><dd class="mono">{letter.topic ?? '—'}</dd>
        <dt>Message</dt><dd>{letter.messageType ?? '—'} <span class="mono small">{letter.messageId ?? ''}</span></dd>
        <dt>Saga</dt><dd>{letter.sagaId ? <a href={href(`sagas/${letter.sagaId}`)} class="mono">{letter.sagaId}</a> : '—'}</dd>
        <dt>Attempts</dt><dd>{letter.attempts}</dd>
        <dt>Failed</dt><dd>{time(letter.firstFailedAt)} … {time(letter.lastFailedAt)}</dd>
        {letter.replayed && (<><dt>Replayed</dt><dd>{time(letter.replayed.at)} by {letter.replayed.by}: {letter.replayed.outcome}</dd></>)}
        {letter.discarded && (<><dt>Discarded</dt><dd>{time(letter.discarded.at)} by {letter.discarded.by}{letter.discarded.reason ? `: ${letter.discarded.reason}` : ''}</dd></>)}
      </dl>
      {notice && <p class="notice" role="status">{notice}</p>}
      {error && <p class="error" role="alert">{error}</p>}
      {canAct(session) && letter.status === 'open' && (
        <div class="actions">
          <button type="button" class="primary" onClick={() => setConfirm('replay')}>Replay</button>
          <button type="button" class="danger" onClick={() => setConfirm('discard')}>Discard</button>
        </div>
      )}
      {letter.envelope !== undefined && <JsonTree title="Envelope (headers and payload, decoded)" value={letter.envelope} />}
      {letter.raw && (
        <section>
          <h3>As it arrived on the broker</h3>
          <Bytes label="key" bytes={letter.raw.key} />
          <Bytes label="value" bytes={letter.raw.value} />
          {letter.raw.headers.map((h, i) => <Bytes key={`${h.name}-${i}`} label={`header ${h.name}`} bytes={h.value} />)}
        </section>
      )}
      {confirm === 'replay' && (
        <Dialog
          title={`Replay dead letter ${letter.id}`}
          confirm="Replay"
          onClose={() => setConfirm(null)}
          onConfirm={async () => {
            const result = await api<{ outcome: string }>('POST', `/dead-letters/${letter.id}/replay`).catch((e) => {
              throw new Error(describeError(e));
            });
            setConfirm(null);
            setNotice(`Replayed: ${result.outcome}.`);
            void load();
            onChanged();
          }}
        >
          <p>The message is delivered again through the normal step; the saga's inbox keeps it from applying twice.</p>
        </Dialog>
      )}
      {confirm === 'discard' && (
        <ReasonDialog
          title={`Discard dead letter ${letter.id}`}
          confirm="Discard"
          danger
          required={false}
          label="Reason (kept with the dead letter)"
          onClose={() => setConfirm(null)}
          onConfirm={async (reason) => {
            await api('POST', `/dead-letters/${letter.id}/discard`, reason ? { reason } : {}).catch((e) => {
              throw new Error(describeError(e));
            });
            setConfirm(null);
            setNotice('Discarded.');
            void load();
            onChanged();
          }}
        />
      )}
    </aside>
  );
}

export function DeadLetters({ route }: { route: Route }) {
  const session = useSession();
  const filters: Record<string, string> = {};
  for (const key of FILTERS) {
    const value = route.params.get(key);
    if (value) filters[key] = value;
  }
  const filterKey = JSON.stringify(filters);
  const [draft, setDraft] = useState(filters);
  const [facets, setFacets] = useState<{ consumers: string[]; topics: string[] }>({ consumers: [], topics: [] });
  const [page, setPage] = useState<Page<DeadLetterView> | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const { selected, toggle, clear: clearSelection } = useSelection();
  const [error, setError] = useState<string | null>(null);
  const [batch, setBatch] = useState<'replay' | 'discard' | null>(null);
  const [results, setResults] = useState<{ action: string; results: BatchResult[] } | null>(null);
  const open = route.params.get('open');
  const cursor = cursors[cursors.length - 1];

  const load = () =>
    api<Page<DeadLetterView>>('GET', `/dead-letters${query({ ...filters, limit: 50, cursor })}`).then(
      (p) => {
        setPage(p);
        setError(null);
      },
      (e) => setError(describeError(e)),
    );
  useEffect(() => {
    setDraft(filters);
    setCursors([]);
    clearSelection();
    void api<{ consumers: string[]; topics: string[] }>('GET', `/dead-letters/facets${query({ status: filters.status })}`).then(setFacets, () => undefined);
  }, [filterKey]);
  useEffect(() => void load(), [filterKey, cursor, session.whoami]);

  const go = (params: Record<string, string | undefined>) => navigate('dead-letters', params);
  const set = (key: string) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });
  const runBatch = async (action: 'replay' | 'discard', reason: string) => {
    const body = action === 'discard' && reason ? { ids: [...selected], reason } : { ids: [...selected] };
    const response = await api<{ results: BatchResult[] }>('POST', `/dead-letters/batch/${action}`, body).catch((e) => {
      throw new Error(describeError(e));
    });
    setResults({ action, results: response.results });
    setBatch(null);
    clearSelection();
    void load();
  };
  const operator = canAct(session);

  return (
    <div class={`view dead-letters ${open ? 'with-panel' : ''}`}>
      <div class="main-column">
        <h1>Dead letters</h1>
        <form
          class="filters"
          aria-label="Filter dead letters"
          onSubmit={(e) => {
            e.preventDefault();
            go(draft);
          }}
        >
          <label class="field">
            <span>Status</span>
            <select name="status" value={draft.status ?? ''} onChange={set('status')}>
              <option value="">open</option>
              <option value="replayed">replayed</option>
              <option value="discarded">discarded</option>
            </select>
          </label>
          <label class="field">
            <span>Consumer</span>
            <select name="consumer" value={draft.consumer ?? ''} onChange={set('consumer')}>
              <option value="">any</option>
              {facets.consumers.map((c) => <option key={c} value={c}>{c}</option>)}
            </select>
          </label>
          <label class="field">
            <span>Topic</span>
            <select name="topic" value={draft.topic ?? ''} onChange={set('topic')}>
              <option value="">any</option>
              {facets.topics.map((t) => <option key={t} value={t}>{t}</option>)}
            </select>
          </label>
          <label class="field">
            <span>Reason contains</span>
            <input name="reason" value={draft.reason ?? ''} onInput={set('reason')} />
          </label>
          <div class="filter-buttons">
            <button type="submit" class="primary">Search</button>
            <a class="button" href={href('dead-letters')}>Clear</a>
          </div>
        </form>
        {error && <p class="error" role="alert">{error}</p>}
        {results && <BatchResults title={`Batch ${results.action}`} results={results.results} />}
        {operator && (
          <div class="toolbar" aria-label="Batch actions">
            <span>{selected.size} selected</span>
            <button type="button" disabled={!selected.size} onClick={() => setBatch('replay')}>Replay selected</button>
            <button type="button" class="danger" disabled={!selected.size} onClick={() => setBatch('discard')}>Discard selected</button>
          </div>
        )}
        <div class="table-wrap">
          <table class="letters">
            <thead>
              <tr>
                {operator && <th class="check" />}
                <th>Id</th>
                <th>Last failed</th>
                <th>Message</th>
                <th>Reason</th>
                <th class="hide-narrow">Consumer / topic</th>
                <th>Status</th>
              </tr>
            </thead>
            <tbody>
              {page?.items.map((letter) => (
                <tr key={letter.id} data-id={letter.id} class={open === letter.id ? 'selected' : ''}>
                  {operator && (
                    <td class="check">
                      <input type="checkbox" aria-label={`Select dead letter ${letter.id}`} checked={selected.has(letter.id)} disabled={letter.status !== 'open'} onChange={() => toggle(letter.id)} />
                    </td>
                  )}
                  <td><a href={href('dead-letters', { ...filters, open: letter.id })}>{letter.id}</a></td>
                  <td title={letter.lastFailedAt}>{ago(letter.lastFailedAt)}</td>
                  <td>{letter.messageType ?? '—'}{letter.sagaId && <div class="muted small mono">{shortId(letter.sagaId)}</div>}</td>
                  <td class="reason">{letter.reason}</td>
                  <td class="hide-narrow small">{letter.consumer}<div class="mono muted">{letter.topic ?? ''}</div></td>
                  <td>{letter.status}</td>
                </tr>
              ))}
              {page && !page.items.length && (
                <tr><td colSpan={7} class="muted">No dead letter matches. Nothing is waiting here.</td></tr>
              )}
            </tbody>
          </table>
        </div>
        <Pager cursors={cursors} nextCursor={page?.nextCursor} onChange={setCursors} />
      </div>
      {open && <LetterPanel id={open} onClose={() => go(filters)} onChanged={() => void load()} />}
      {batch === 'replay' && (
        <Dialog title={`Replay ${selected.size} dead letter(s)`} confirm="Replay" onClose={() => setBatch(null)} onConfirm={() => runBatch('replay', '')}>
          <p>Each message is delivered again through the normal step, one after the other; the saga's inbox keeps any from applying twice.</p>
        </Dialog>
      )}
      {batch === 'discard' && (
        <ReasonDialog
          title={`Discard ${selected.size} dead letter(s)`}
          confirm="Discard"
          danger
          required={false}
          label="Reason (kept with each dead letter)"
          onClose={() => setBatch(null)}
          onConfirm={(reason) => runBatch('discard', reason)}
        >
          <p>They will not be replayed; who, when and why are kept.</p>
        </ReasonDialog>
      )}
    </div>
  );
}
