// The Baton console: one page under the host's /console/, talking only to
// Baton's REST API (docs/architecture.md, "The console").
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ApiError, api, currentKey, describeError, isKeyRemembered, loadConfig, setApiKey } from './api';
import { Dialog } from './components/dialog';
import { useRoute } from './router';
import { getSession, updateSession, useSession } from './session';
import type { Whoami } from './types';
import { DeadLetters } from './views/dead-letters';
import { DefinitionsView } from './views/definitions';
import { OverviewView } from './views/overview';
import { SagaDetailView } from './views/saga-detail';
import { SagasList } from './views/sagas-list';
import './styles.css';

const DEVELOPMENT_KEY = 'baton-dev-key';

async function refreshWhoami(): Promise<void> {
  try {
    const whoami = await api<Whoami>('GET', '/auth/whoami');
    updateSession({ whoami, needsKey: false });
  } catch (error) {
    updateSession({ whoami: null, needsKey: error instanceof ApiError && (error.status === 401 || error.status === 403) });
  }
}

function KeyDialog({ onClose }: { onClose: () => void }) {
  const session = useSession();
  const [key, setKey] = useState('');
  const [remember, setRemember] = useState(isKeyRemembered());
  const apply = async (value: string | null) => {
    const previous = currentKey();
    setApiKey(value, remember);
    await refreshWhoami();
    if (value && getSession().needsKey) {
      setApiKey(previous, remember && !!previous);
      await refreshWhoami();
      throw new Error('That key was refused.');
    }
    onClose();
  };
  return (
    <Dialog title="API key" confirm="Use this key" onClose={onClose} onConfirm={() => apply(key)} disabled={!key.trim()}>
      <p class="muted small">
        The console acts with your key's role: a reader key sees, an operator key acts. The key stays in this tab's memory unless you tick the box.
      </p>
      <label class="field">
        <span>Key</span>
        <input type="password" name="apiKey" autocomplete="off" value={key} onInput={(e) => setKey((e.target as HTMLInputElement).value)} />
      </label>
      <label class="field field-check">
        <input type="checkbox" name="remember" checked={remember} onChange={(e) => setRemember((e.target as HTMLInputElement).checked)} />
        <span>Remember on this device (stored in this browser's local storage, in plain text)</span>
      </label>
      <div class="key-extra">
        {session.whoami?.developmentKey && (
          <button type="button" onClick={() => void apply(DEVELOPMENT_KEY).catch(() => undefined)}>
            Use the development key
          </button>
        )}
        {currentKey() && (
          <button type="button" onClick={() => void apply(null)}>
            Forget my key
          </button>
        )}
      </div>
    </Dialog>
  );
}

function LiveIndicator() {
  const { live } = useSession();
  if (live.status === 'idle') return null;
  const text = { connecting: 'connecting…', live: 'live', reconnecting: 'reconnecting…', offline: 'offline' }[live.status];
  return (
    <span class={`live live-${live.status}`} title={live.detail ?? ''} data-live={live.status}>
      <i class="dot" /> {text}
      {live.status !== 'live' && live.reconnect && (
        <button type="button" class="link" onClick={live.reconnect}>reconnect</button>
      )}
    </span>
  );
}

function Shell() {
  const route = useRoute();
  const session = useSession();
  const [keyDialog, setKeyDialog] = useState(false);
  const section = route.parts[0] ?? 'sagas';
  useEffect(() => {
    if (session.needsKey) setKeyDialog(true);
  }, [session.needsKey]);
  let view;
  if (session.needsKey && !session.whoami) view = <div class="view"><p class="notice">This host needs an API key to read. Give one to continue.</p></div>;
  else if (section === 'sagas' && route.parts[1]) view = <SagaDetailView id={route.parts[1]} />;
  else if (section === 'dead-letters') view = <DeadLetters route={route} />;
  else if (section === 'overview') view = <OverviewView />;
  else if (section === 'definitions') view = <DefinitionsView route={route} />;
  else view = <SagasList route={route} />;
  const link = (to: string, label: string) => (
    <a href={`#/${to}`} class={section === to ? 'current' : ''} aria-current={section === to ? 'page' : undefined}>{label}</a>
  );
  return (
    <>
      <header class="topbar">
        <a class="brand" href="#/sagas">Baton</a>
        <nav class="nav">
          {link('sagas', 'Sagas')}
          {link('dead-letters', 'Dead letters')}
          {link('overview', 'Overview')}
          {link('definitions', 'Definitions')}
        </nav>
        <LiveIndicator />
        <button type="button" class="who" onClick={() => setKeyDialog(true)} data-role={session.whoami?.role ?? 'none'}>
          {session.whoami?.role ? `${session.whoami.name} · ${session.whoami.role}` : 'No key: read only · sign in'}
        </button>
      </header>
      <main>{view}</main>
      {keyDialog && <KeyDialog onClose={() => setKeyDialog(false)} />}
    </>
  );
}

async function start(): Promise<void> {
  const root = document.getElementById('app')!;
  try {
    await loadConfig();
    await refreshWhoami();
    render(<Shell />, root);
  } catch (error) {
    root.textContent = `The console could not start: ${describeError(error)}`;
  }
}

void start();
