import { locationOf, type LintReport } from './lint-finding';

const plural = (count: number, word: string) => `${count} ${word}${count === 1 ? '' : 's'}`;

/** The counts of a report: errors, warnings, opted out. */
export function countsOf(report: LintReport) {
  const errors = report.findings.filter((f) => f.severity === 'error').length;
  return { errors, warnings: report.findings.length - errors, optedOut: report.optedOut.length };
}

/**
 * A report as lines for a CI log: one per finding, `<saga> <where>
 * <severity> <rule> <message> fix: <fix>` (two spaces between fields), then
 * a summary line.
 */
export function lintText(report: LintReport): string {
  const lines = report.findings.map((f) => `${f.saga} ${locationOf(f)}  ${f.severity}  ${f.rule}  ${f.message}  fix: ${f.fix}`);
  const { errors, warnings, optedOut } = countsOf(report);
  const checked = `${plural(report.sagas.length, 'saga')} checked (${report.sagas.join(', ') || 'none'})`;
  const silenced = optedOut ? `, ${optedOut} opted out with a reason` : '';
  lines.push(`baton lint: ${checked}: ${plural(errors, 'error')}, ${plural(warnings, 'warning')}${silenced}.`);
  return `${lines.join('\n')}\n`;
}

/** A report as JSON: the sagas, the findings, the opted-out findings with their reasons, and the counts. */
export function lintJson(report: LintReport): string {
  return `${JSON.stringify({ sagas: report.sagas, ...countsOf(report), findings: report.findings, optedOut: report.optedOut }, null, 2)}\n`;
}
