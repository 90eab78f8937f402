import type { BatchResult } from '../types';

/** What a batch action did, one line per item: done, skipped (and why) or failed. */
export function BatchResults({ results, title, link }: { results: BatchResult[]; title: string; link?: (id: string) => string }) {
  const count = (outcome: BatchResult['outcome']) => results.filter((r) => r.outcome === outcome).length;
  return (
    <section class="batch-results" aria-label={title}>
      <h3>
        {title}: {count('done')} done, {count('skipped')} skipped, {count('failed')} failed
      </h3>
      <table>
        <tbody>
          {results.map((r) => (
            <tr key={r.id} class={`outcome-${r.outcome}`} data-id={r.id}>
              <td>{link ? <a href={link(r.id)}>{r.id}</a> : r.id}</td>
              <td class="outcome">{r.outcome}</td>
              <td>{r.detail}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
