export function StatusBadge({ status }: { status: string }) {
  return <span class={`badge status-${status}`} data-status={status}>{status}</span>;
}
