// Sagas: search with every filter GET /sagas takes, counts by status, keyset
// pages, live rows, and batch retry/abort with a result per saga.
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, query } from '../api';
import { BatchResults } from '../components/batch-results';
import { Pager } from '../components/pager';
import { ReasonDialog } from '../components/dialog';
import { StatusBadge } from '../components/status-badge';
import { ago, fromLocalInput, shortId, stateText, toLocalInput } from '../format';
import type { StepEvent } from '../live';
import { href, navigate, type Route } from '../router';
import { canAct, useSession } from '../session';
import { SAGA_STATUSES, type BatchResult, type Counts, type DefinitionSummary, type Page, type SagaSummary } from '../types';
import { useLive, useThrottle } from '../use-live';
import { useSelection } from '../use-selection';

const TEXT_FILTERS = ['name', 'version', 'status', 'state', 'correlationId', 'key', 'startedAfter', 'startedBefore', 'updatedAfter', 'updatedBefore'] as const;

/** The API's filters from the route: the fields above, and input.<field>=<value>. */
function filtersOf(route: Route): Record<string, string> {
  const filters: Record<string, string> = {};
  for (const [key, value] of route.params) if (value && ((TEXT_FILTERS as readonly string[]).includes(key) || key.startsWith('input.'))) filters[key] = value;
  return filters;
}

function FilterForm({ filters, definitions }: { filters: Record<string, string>; definitions: DefinitionSummary[] }) {
  const inputEntry = Object.entries(filters).find(([key]) => key.startsWith('input.'));
  const [draft, setDraft] = useState<Record<string, string>>({ ...filters, inputField: inputEntry?.[0].slice(6) ?? '', inputValue: inputEntry?.[1] ?? '' });
  useEffect(() => setDraft({ ...filters, inputField: inputEntry?.[0].slice(6) ?? '', inputValue: inputEntry?.[1] ?? '' }), [JSON.stringify(filters)]);
  const set = (key: string) => (e: Event) => setDraft({ ...draft, [key]: (e.target as HTMLInputElement).value });
  const setTime = (key: string) => (e: Event) => setDraft({ ...draft, [key]: fromLocalInput((e.target as HTMLInputElement).value) ?? '' });
  const versions = definitions.find((d) => d.name === draft.name)?.versions ?? [];
  const apply = (e: Event) => {
    e.preventDefault();
    const { inputField, inputValue, ...rest } = draft;
    const params: Record<string, string> = {};
    for (const [key, value] of Object.entries(rest)) if (value && !key.startsWith('input.')) params[key] = value;
    if (inputField && inputValue) params[`input.${inputField}`] = inputValue;
    navigate('sagas', params);
  };
  return (
    <form class="filters" onSubmit={apply} aria-label="Filter sagas">
      <label class="field">
        <span>Saga</span>
        <select name="name" value={draft.name ?? ''} onChange={(e) => setDraft({ ...draft, name: (e.target as HTMLSelectElement).value, version: '' })}>
          <option value="">any</option>
          {definitions.map((d) => (
            <option key={d.name} value={d.name}>{d.name}</option>
          ))}
        </select>
      </label>
      <label class="field narrow">
        <span>Version</span>
        <select name="version" value={draft.version ?? ''} onChange={set('version')} disabled={!draft.name}>
          <option value="">any</option>
          {versions.map((v) => (
            <option key={v} value={String(v)}>v{v}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Status</span>
        <select name="status" value={draft.status ?? ''} onChange={set('status')}>
          <option value="">any</option>
          {SAGA_STATUSES.map((s) => (
            <option key={s} value={s}>{s}</option>
          ))}
        </select>
      </label>
      <label class="field">
        <span>Current state</span>
        <input name="state" placeholder="securing.payment" value={draft.state ?? ''} onInput={set('state')} />
      </label>
      <label class="field">
        <span>Correlation id</span>
        <input name="correlationId" value={draft.correlationId ?? ''} onInput={set('correlationId')} />
      </label>
      <label class="field">
        <span>Business key</span>
        <input name="key" value={draft.key ?? ''} onInput={set('key')} />
      </label>
      <label class="field">
        <span>Input field</span>
        <input name="inputField" placeholder="orderId" value={draft.inputField} onInput={set('inputField')} />
      </label>
      <label class="field">
        <span>equals</span>
        <input name="inputValue" placeholder="o-1001" value={draft.inputValue} onInput={set('inputValue')} />
      </label>
      <label class="field">
        <span>Started after</span>
        <input type="datetime-local" step="1" name="startedAfter" value={toLocalInput(draft.startedAfter)} onInput={setTime('startedAfter')} />
      </label>
      <label class="field">
        <span>Started before</span>
        <input type="datetime-local" step="1" name="startedBefore" value={toLocalInput(draft.startedBefore)} onInput={setTime('startedBefore')} />
      </label>
      <label class="field">
        <span>Updated after</span>
        <input type="datetime-local" step="1" name="updatedAfter" value={toLocalInput(draft.updatedAfter)} onInput={setTime('updatedAfter')} />
      </label>
      <label class="field">
        <span>Updated before</span>
        <input type="datetime-local" step="1" name="updatedBefore" value={toLocalInput(draft.updatedBefore)} onInput={setTime('updatedBefore')} />
      </label>
      <div class="filter-buttons">
        <button type="submit" class="primary">Search</button>
        <a class="button" href={href('sagas')}>Clear</a>
      </div>
    </form>
  );
}

export function SagasList({ route }: { route: Route }) {
  const session = useSession();
  const filters = filtersOf(route);
  const filterKey = JSON.stringify(filters);
  const [definitions, setDefinitions] = useState<DefinitionSummary[]>([]);
  const [counts, setCounts] = useState<Counts | null>(null);
  const [page, setPage] = useState<Page<SagaSummary> | null>(null);
  const [cursors, setCursors] = useState<string[]>([]);
  const [error, setError] = useState<string | null>(null);
  const { selected, toggle, set: setSelected, clear: clearSelection } = useSelection();
  const [newSagas, setNewSagas] = useState(0);
  const [batch, setBatch] = useState<'retry' | 'abort' | null>(null);
  const [results, setResults] = useState<{ action: string; results: BatchResult[] } | null>(null);
  const cursor = cursors[cursors.length - 1];

  const { status: _status, ...countFilters } = filters;
  const loadCounts = () => api<Counts>('GET', `/sagas/counts${query(countFilters)}`).then(setCounts, (e) => setError(describeError(e)));
  const loadPage = () =>
    api<Page<SagaSummary>>('GET', `/sagas${query({ ...filters, limit: 50, cursor })}`).then(
      (p) => {
        setPage(p);
        setError(null);
        setNewSagas(0);
      },
      (e) => setError(describeError(e)),
    );

  useEffect(() => void api<DefinitionSummary[]>('GET', '/definitions').then(setDefinitions, () => undefined), []);
  useEffect(() => {
    setCursors([]);
    clearSelection();
  }, [filterKey]);
  useEffect(() => {
    void loadPage();
    void loadCounts();
  }, [filterKey, cursor, session.whoami]);

  const refreshCounts = useThrottle(() => void loadCounts(), 2000);
  useLive(
    { name: filters.name },
    (event: StepEvent) => {
      refreshCounts();
      setPage((current) => {
        if (!current) return current;
        const index = current.items.findIndex((s) => s.id === event.sagaId);
        if (index < 0) {
          if (event.input.kind === 'start' && !cursor) setNewSagas((n) => n + 1);
          return current;
        }
        const items = current.items.slice();
        items[index] = { ...items[index], status: event.status as SagaSummary['status'], state: event.state, updatedAt: event.at };
        return { ...current, items };
      });
    },
    () => void loadPage(),
  );

  const allOnPage = page?.items.length ? page.items.every((s) => selected.has(s.id)) : false;
  const runBatch = async (action: 'retry' | 'abort', reason: string) => {
    const response = await api<{ results: BatchResult[] }>('POST', `/sagas/batch/${action}`, { ids: [...selected], reason });
    setResults({ action, results: response.results });
    setBatch(null);
    clearSelection();
    void loadPage();
  };

  return (
    <div class="view">
      <h1>Sagas</h1>
      <FilterForm filters={filters} definitions={definitions} />
      {counts && (
        <nav class="counts" aria-label="Counts by status">
          <a href={href('sagas', { ...filters, status: undefined })} class={!filters.status ? 'chip selected' : 'chip'}>
            all <strong>{counts.total}</strong>
          </a>
          {SAGA_STATUSES.map((s) => (
            <a key={s} href={href('sagas', { ...filters, status: s })} class={filters.status === s ? 'chip selected' : 'chip'} data-status={s}>
              {s} <strong>{counts.byStatus[s] ?? 0}</strong>
            </a>
          ))}
        </nav>
      )}
      {error && <p class="error" role="alert">{error}</p>}
      {results && <BatchResults title={`Batch ${results.action}`} results={results.results} link={(id) => href(`sagas/${id}`)} />}
      {canAct(session) && (
        <div class="toolbar" aria-label="Batch actions">
          <span>{selected.size} selected</span>
          <button type="button" disabled={!selected.size} onClick={() => setBatch('retry')}>Retry selected</button>
          <button type="button" class="danger" disabled={!selected.size} onClick={() => setBatch('abort')}>Abort selected</button>
        </div>
      )}
      {newSagas > 0 && (
        <button type="button" class="banner" onClick={() => void loadPage()}>
          {newSagas} new saga{newSagas === 1 ? '' : 's'} started — show
        </button>
      )}
      <div class="table-wrap">
        <table class="sagas">
          <thead>
            <tr>
              {canAct(session) && (
                <th class="check">
                  <input
                    type="checkbox"
                    aria-label="Select all on this page"
                    checked={allOnPage}
                    onChange={() => allOnPage ? clearSelection() : setSelected(page?.items.map((s) => s.id) ?? [])}
                  />
                </th>
              )}
              <th>Saga</th>
              <th>Status</th>
              <th>State</th>
              <th class="hide-narrow">Correlation id</th>
              <th>Updated</th>
              <th class="hide-narrow">Started</th>
            </tr>
          </thead>
          <tbody>
            {page?.items.map((saga) => (
              <tr key={saga.id} data-id={saga.id} data-status={saga.status}>
                {canAct(session) && (
                  <td class="check">
                    <input type="checkbox" aria-label={`Select ${saga.id}`} checked={selected.has(saga.id)} onChange={() => toggle(saga.id)} />
                  </td>
                )}
                <td>
                  <a href={href(`sagas/${saga.id}`)} class="mono" title={saga.id}>{shortId(saga.id)}</a>
                  <div class="muted small">{saga.name} v{saga.definitionVersion}</div>
                </td>
                <td><StatusBadge status={saga.status} /></td>
                <td class="state">{stateText(saga.state)}</td>
                <td class="mono hide-narrow" title={saga.correlationId}>{shortId(saga.correlationId)}</td>
                <td title={saga.updatedAt}>{ago(saga.updatedAt)}</td>
                <td class="hide-narrow" title={saga.createdAt}>{ago(saga.createdAt)}</td>
              </tr>
            ))}
            {page && !page.items.length && (
              <tr>
                <td colSpan={7} class="muted">No saga matches these filters.</td>
              </tr>
            )}
          </tbody>
        </table>
      </div>
      <Pager cursors={cursors} nextCursor={page?.nextCursor} onChange={setCursors} />
      {batch && (
        <ReasonDialog
          title={batch === 'retry' ? `Retry ${selected.size} saga(s) now` : `Abort ${selected.size} saga(s)`}
          confirm={batch === 'retry' ? 'Retry' : 'Abort'}
          danger={batch === 'abort'}
          onClose={() => setBatch(null)}
          onConfirm={(reason) => runBatch(batch, reason)}
        >
          <p>
            {batch === 'retry'
              ? 'Each stuck saga sends its failed compensation again; each running one resends its commands in flight. A saga the action does not apply to is skipped and says why.'
              : 'Each saga compensates what it did once its steps in flight answer, and ends aborted. Sagas that ended are skipped.'}
          </p>
        </ReasonDialog>
      )}
    </div>
  );
}
