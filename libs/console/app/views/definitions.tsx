// Definitions: each saga this host runs, each version's statechart (the
// same renderer as a saga's page) and its contracts with their JSON Schemas.
import { useEffect, useState } from 'preact/hooks';
import { api, describeError, query } from '../api';
import { Diagram } from '../components/diagram';
import { JsonTree } from '../components/json-tree';
import { href, type Route } from '../router';
import type { Contract, Definition, DefinitionSummary } from '../types';

function Contracts({ title, contracts }: { title: string; contracts: Contract[] }) {
  return (
    <section>
      <h2>{title}</h2>
      {contracts.map((contract) => (
        <details key={contract.type} class="contract" data-type={contract.type}>
          <summary>
            <strong>{contract.type}</strong> <span class="muted">v{contract.version}</span>
            {contract.participant && <span class="chip">{contract.participant}</span>}
            {contract.signal && <span class="chip">signal</span>}
          </summary>
          <JsonTree title="JSON Schema" value={contract.schema} />
        </details>
      ))}
    </section>
  );
}

export function DefinitionsView({ route }: { route: Route }) {
  const [list, setList] = useState<DefinitionSummary[] | null>(null);
  const [definition, setDefinition] = useState<Definition | null>(null);
  const [error, setError] = useState<string | null>(null);
  const name = route.parts[1];
  const version = route.params.get('version') ?? undefined;
  useEffect(() => void api<DefinitionSummary[]>('GET', '/definitions').then(setList, (e) => setError(describeError(e))), []);
  useEffect(() => {
    setDefinition(null);
    if (name) void api<Definition>('GET', `/definitions/${encodeURIComponent(name)}${query({ version })}`).then(setDefinition, (e) => setError(describeError(e)));
  }, [name, version]);

  return (
    <div class="view definitions">
      <h1>Definitions</h1>
      {error && <p class="error" role="alert">{error}</p>}
      <nav class="definition-list" aria-label="Sagas this host runs">
        {list?.map((d) => (
          <div key={d.name} class={d.name === name ? 'definition selected' : 'definition'}>
            <a href={href(`definitions/${d.name}`)}><strong>{d.name}</strong></a>
            <span class="versions">
              {d.versions.map((v) => (
                <a key={v} href={href(`definitions/${d.name}`, { version: String(v) })} class={definition?.name === d.name && definition.version === v ? 'chip selected' : 'chip'}>v{v}</a>
              ))}
            </span>
            {d.description && <p class="muted small">{d.description}</p>}
          </div>
        ))}
      </nav>
      {!name && list && <p class="muted">Choose a saga to see its statechart and contracts.</p>}
      {definition && (
        <>
          <h2>{definition.name} v{definition.version}</h2>
          <Diagram name={definition.name} version={definition.version} />
          <section>
            <h2>Input</h2>
            <JsonTree title="JSON Schema" value={definition.input} />
          </section>
          <Contracts title="Commands it sends" contracts={definition.commands} />
          <Contracts title="Events it accepts (replies and signals)" contracts={definition.events} />
        </>
      )}
    </div>
  );
}
