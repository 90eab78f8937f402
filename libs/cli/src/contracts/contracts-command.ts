import { isAbsolute, relative } from 'node:path';
import { parseArgs } from 'node:util';
import type { BatonCommand, CommandIo } from '../command';
import { UsageError } from '../command';
import { loadSagas } from '../load-sagas';
import { checkContractSnapshot, writeContractSnapshot } from './contract-snapshots';
import { formatContractsReport } from './contracts-report';
import { snapshotDir } from './snapshot-dir';

const USAGE = `Usage: baton contracts snapshot [paths...] [--dir DIR] [--force]
       baton contracts check [paths...] [--dir DIR] [--format text|json] [--require-snapshot]

Keeps the message contracts of your sagas (their commands and events, per
version; Baton's own events left out) compatible with what is deployed.

  snapshot   Writes each contract version as JSON Schema to DIR, one
             <Type>.v<version>.json each (commit them). Refuses a change that
             breaks compatibility, writing nothing, unless --force.
  check      Compares the contracts with the snapshot, each under its
             compatibility mode (command(..., { compatibility }), BACKWARD by
             default). Exit 1 on a breaking change. A compatible change the
             snapshot does not hold yet passes, saying to run snapshot (with
             --require-snapshot it fails: the snapshot is the baseline later
             changes are held to).

  paths            modules or directories that export sagas (defineSaga values,
                   arrays of them, or create...Saga() factories)
  --dir DIR        the snapshot folder; default: "baton": { "contractSnapshots" }
                   in ./package.json, else contract-schemas
  --format FORMAT  check: text (default) or json
  --force          snapshot: record the contracts even if a change breaks
                   compatibility
  --require-snapshot
                   check: fail too when the snapshot is behind the contracts`;

/** A path as the user would type it from `cwd`: relative below it, absolute elsewhere. */
const shown = (cwd: string, path: string) => {
  const below = relative(cwd, path);
  return !below ? '.' : below.startsWith('..') || isAbsolute(below) ? path : below;
};

/** `baton contracts snapshot|check`. */
export const contractsCommand: BatonCommand = {
  name: 'contracts',
  summary: 'Snapshot message contracts as JSON Schema, and check changes for compatibility',
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const [action, ...rest] = args;
    if (action !== 'snapshot' && action !== 'check') throw new UsageError(action ? `unknown action "${action}": snapshot or check` : 'name an action: snapshot or check');
    let parsed;
    try {
      parsed = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { dir: { type: 'string' }, format: { type: 'string' }, force: { type: 'boolean' }, 'require-snapshot': { type: 'boolean' } },
      });
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
    const { values, positionals } = parsed;
    const format = values.format ?? 'text';
    if (format !== 'text' && format !== 'json') throw new UsageError(`--format is text or json, not "${format}"`);
    if (action === 'snapshot' && values.format !== undefined) throw new UsageError('--format is an option of check');
    if (action === 'check' && values.force) throw new UsageError('--force is an option of snapshot');
    if (action === 'snapshot' && values['require-snapshot']) throw new UsageError('--require-snapshot is an option of check');
    const dir = snapshotDir(io.cwd, values.dir);
    const sagas = loadSagas(positionals, io.cwd);
    const names = sagas.map((s) => `${s.name} v${s.version}`).join(', ');
    const snapshotCommand = `npx baton contracts snapshot ${positionals.join(' ')}${values.dir !== undefined ? ` --dir ${values.dir}` : ''}`;

    if (action === 'check') {
      const report = checkContractSnapshot(sagas, dir);
      if (format === 'json') {
        io.out(`${JSON.stringify({ dir: shown(io.cwd, dir), sagas: sagas.map((s) => ({ name: s.name, version: s.version })), ...report }, null, 2)}\n`);
      } else {
        const missing = report.exists ? '' : ` (no such folder yet)`;
        io.out(formatContractsReport(report, `Contracts of ${names} against the snapshot in ${shown(io.cwd, dir)}${missing}:`, snapshotCommand));
      }
      return report.ok && !(values['require-snapshot'] && report.counts.snapshot) ? 0 : 1;
    }

    const outcome = writeContractSnapshot(sagas, dir, { force: values.force });
    if (outcome.refused) {
      io.err(formatContractsReport(outcome.report, `Contracts of ${names} against the snapshot in ${shown(io.cwd, dir)}:`, snapshotCommand));
      io.err(`\nbaton contracts snapshot: wrote nothing: ${outcome.report.counts.breaking} breaking change(s) above. Fix them, or record them anyway with --force (receivers may then refuse what deployed senders write).\n`);
      return 1;
    }
    const lines = [`Snapshot of the contracts of ${names} in ${shown(io.cwd, dir)}:`];
    for (const name of outcome.written) lines.push(`  wrote ${name}`);
    lines.push(`  ${outcome.unchanged.length} file(s) already up to date.`);
    if (outcome.report.counts.breaking) lines.push(`  Recorded with ${outcome.report.counts.breaking} breaking change(s) (--force).`);
    for (const finding of outcome.report.contracts.flatMap((c) => c.findings).filter((f) => f.severity === 'warning')) {
      lines.push(`  warning: ${finding.message}`, `    fix: ${finding.fix}`);
    }
    io.out(`${lines.join('\n')}\n`);
    return 0;
  },
};
