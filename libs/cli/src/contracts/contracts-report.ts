import type { ContractFinding } from './contract-findings';
import type { ContractResult, ContractsReport } from './check-contracts';

function label(result: ContractResult): string {
  const severities = new Set(result.findings.map((f) => f.severity));
  if (severities.has('breaking')) return 'BREAKING';
  if (result.state === 'removed') return 'removed';
  if (result.state === 'unchanged') return 'unchanged';
  return result.state === 'new-version' ? 'new version' : result.state;
}

function findingLines(finding: ContractFinding): string[] {
  const lines: string[] = [];
  if (finding.severity === 'breaking') {
    lines.push(`    ✗ ${finding.path ? `${finding.path}: ` : ''}${finding.message} [${finding.rule}${finding.against !== undefined ? `, ${finding.mode} against v${finding.against}` : ''}]`);
    if (finding.old !== undefined) lines.push(`        old: ${finding.old}`);
    if (finding.new !== undefined) lines.push(`        new: ${finding.new}`);
  } else {
    const prefix = finding.severity === 'snapshot' ? 'snapshot' : finding.severity;
    lines.push(`    ${prefix}: ${finding.message} [${finding.rule}]`);
  }
  if (finding.fix && finding.severity !== 'snapshot') lines.push(`        fix: ${finding.fix}`);
  return lines;
}

/**
 * The report as text: a line per contract version (state, type and
 * version, kind, mode), each finding under it with old, new and its fix,
 * then the counts and what to do next (`snapshotCommand`: the command
 * that records the snapshot).
 */
export function formatContractsReport(report: ContractsReport, heading: string, snapshotCommand: string): string {
  const typeWidth = Math.max(...report.contracts.map((r) => `${r.type} v${r.version}`.length), 10);
  const kindOf = (result: ContractResult) => (result.kind === 'command' ? `command → ${result.participant}` : 'event');
  const kindWidth = Math.max(...report.contracts.map((r) => kindOf(r).length), 5);
  const lines = [heading];
  for (const result of report.contracts) {
    const compared = result.comparedWith.length ? `  compared with ${result.comparedWith.map((v) => `v${v}`).join(', ')}` : '';
    lines.push(`  ${label(result).padEnd(11)} ${`${result.type} v${result.version}`.padEnd(typeWidth)}  ${kindOf(result).padEnd(kindWidth)}  ${result.compatibility}${result.state === 'unchanged' ? '' : compared}`);
    for (const finding of result.findings) lines.push(...findingLines(finding));
  }
  const { breaking, snapshot, warning } = report.counts;
  const unchanged = report.contracts.filter((r) => r.state === 'unchanged' && !r.findings.some((f) => f.severity === 'breaking')).length;
  lines.push('');
  lines.push(`${report.contracts.length} contract versions: ${unchanged} unchanged, ${breaking} breaking, ${snapshot} to snapshot, ${warning} warnings.`);
  if (breaking) lines.push(`Not compatible: fix each breaking change as its fix says, then run ${snapshotCommand} and commit the snapshot.`);
  else if (snapshot) lines.push(`Compatible, but the snapshot is behind the contracts, and it is the baseline later changes are held to: run ${snapshotCommand} and commit the snapshot.`);
  else lines.push('The contracts match their snapshot.');
  return `${lines.join('\n')}\n`;
}
