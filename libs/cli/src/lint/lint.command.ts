import { parseArgs } from 'node:util';
import { DEFAULT_SAGA_LIMITS } from '@baton/core';
import { UsageError, type BatonCommand } from '../command';
import { loadSagas } from '../load-sagas';
import { lintJson, lintText } from './lint-output';
import { rulesText } from './lint-rules';
import { lintReport } from './lint-sagas';

const USAGE = `Usage: baton lint [paths...] [--format text|json] [--max-commands-in-flight N] [--max-transitions N]
       baton lint --rules

Checks the saga definitions the modules at <paths> export (files or
directories; TypeScript too) without running them. Prints one line per
finding and a summary; exit code 0 when no finding is an error, 1 when one
is, 2 on a wrong call.

Options:
  --format text|json            text (default): a line per finding, for a CI log; json: the report
  --max-commands-in-flight N    the engine's SagaLimits.maxCommandsInFlight (default ${DEFAULT_SAGA_LIMITS.maxCommandsInFlight})
  --max-transitions N           the engine's SagaLimits.maxTransitions (default ${DEFAULT_SAGA_LIMITS.maxTransitions})
  --rules                       list the rules and why each matters

A state opts out of a rule, with the reason, in its XState meta (the state
and every state under it; on the machine's root: the whole saga):
  meta: { baton: { lint: { 'compensation/fire-and-forget': 'a notification cannot be unsent' } } }

Rules:
${rulesText()}
`;

/** A positive integer option, or a UsageError naming it. */
function positive(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[1-9]\d*$/.test(value)) throw new UsageError(`--${name} takes a positive integer, not "${value}"`);
  return Number(value);
}

/** `baton lint`: checks saga definitions (see lint-rules.ts). */
export const lintCommand: BatonCommand = {
  name: 'lint',
  summary: 'Check saga definitions: compensations, timeouts, reachability, contracts, bounds',
  usage: USAGE,
  async run(args, io) {
    let parsed;
    try {
      parsed = parseArgs({
        args,
        allowPositionals: true,
        strict: true,
        options: {
          format: { type: 'string', default: 'text' },
          'max-commands-in-flight': { type: 'string' },
          'max-transitions': { type: 'string' },
          rules: { type: 'boolean', default: false },
        },
      });
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
    const { values, positionals } = parsed;
    if (values.rules) {
      io.out(`${rulesText()}\n`);
      return 0;
    }
    if (values.format !== 'text' && values.format !== 'json') throw new UsageError(`--format is text or json, not "${values.format}"`);
    const options = {
      maxCommandsInFlight: positive('max-commands-in-flight', values['max-commands-in-flight']),
      maxTransitions: positive('max-transitions', values['max-transitions']),
    };
    const report = lintReport(loadSagas(positionals, io.cwd), options);
    io.out(values.format === 'json' ? lintJson(report) : lintText(report));
    return report.findings.some((finding) => finding.severity === 'error') ? 1 : 0;
  },
};
