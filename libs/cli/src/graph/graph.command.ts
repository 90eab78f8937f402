import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, extname, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { SagaDefinition } from '@baton/core';
import { UsageError, type BatonCommand, type CommandIo } from '../command';
import { loadSagas } from '../load-sagas';
import { GRAPH_FORMATS, sagaGraph, type GraphFormat } from './saga-graph';

const USAGE = `Usage: baton graph <saga-name> [paths...] [--format mermaid|dot|svg] [--out <file>] [--version <n>]

Draws a saga's statechart, offline: compound states as clusters, the regions
of a parallel state (dashed), initial and final states, every transition with
its event, guard and delay (after paymentTimeout (30 s)), the command each
state sends, what undoes each step and the state that runs compensation(),
and tags.

  <saga-name>         the saga's name, as defineSaga gives it
  [paths...]          modules (files or directories) that export sagas;
                      default: package.json's "baton": { "sagas": [...] }
  --format, -f        mermaid (a stateDiagram-v2, for Markdown), dot
                      (Graphviz), or svg (laid out here, no Graphviz needed);
                      default: from --out's extension (.mmd, .dot/.gv, .svg),
                      else mermaid
  --out, -o <file>    write there instead of to standard output
  --version <n>       the saga's version (default: the newest found)

Example:
  baton graph order-fulfillment sagas/order-fulfillment --format svg --out docs/order-fulfillment.svg`;

const FORMAT_BY_EXTENSION: Record<string, GraphFormat> = { '.mmd': 'mermaid', '.mermaid': 'mermaid', '.dot': 'dot', '.gv': 'dot', '.svg': 'svg' };

function parse(args: string[]) {
  try {
    return parseArgs({
      args,
      allowPositionals: true,
      options: {
        format: { type: 'string', short: 'f' },
        out: { type: 'string', short: 'o' },
        version: { type: 'string' },
      },
    });
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

/** The definition named `name` (its newest version, or `version`), or a UsageError naming the sagas found. */
export function pickSaga(sagas: readonly SagaDefinition[], name: string, version?: number): SagaDefinition {
  const named = sagas.filter((saga) => saga.name === name).sort((a, b) => b.version - a.version);
  if (!named.length) {
    const found = sagas.map((saga) => `${saga.name} (v${saga.version})`).join(', ');
    throw new UsageError(`no saga named "${name}"; the sagas found: ${found || 'none'}`);
  }
  if (version === undefined) return named[0];
  const picked = named.find((saga) => saga.version === version);
  if (!picked) {
    throw new UsageError(`${name} has no version ${version}; its versions: ${named.map((saga) => saga.version).join(', ')}`);
  }
  return picked;
}

/** `baton graph`: a saga's statechart as Mermaid, DOT or SVG. */
export const graphCommand: BatonCommand = {
  name: 'graph',
  summary: "Draw a saga's statechart (Mermaid, DOT, or SVG), offline",
  usage: USAGE,
  async run(args: string[], io: CommandIo): Promise<number> {
    const { values, positionals } = parse(args);
    const [name, ...paths] = positionals;
    if (!name) throw new UsageError('name the saga to draw');
    const format = (values.format ?? (values.out && FORMAT_BY_EXTENSION[extname(values.out).toLowerCase()]) ?? 'mermaid') as GraphFormat;
    if (!GRAPH_FORMATS.includes(format)) throw new UsageError(`--format must be one of ${GRAPH_FORMATS.join(', ')}, not "${format}"`);
    let version: number | undefined;
    if (values.version !== undefined) {
      version = Number(values.version);
      if (!/^\d+$/.test(values.version) || version < 1) throw new UsageError(`--version must be a positive integer, not "${values.version}"`);
    }
    const saga = pickSaga(loadSagas(paths, io.cwd), name, version);
    const text = await sagaGraph(saga, format);
    if (!values.out) {
      io.out(text);
      return 0;
    }
    const target = resolve(io.cwd, values.out);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    io.err(`baton graph: wrote ${saga.name} v${saga.version} as ${format} to ${values.out} (${Buffer.byteLength(text)} bytes)\n`);
    return 0;
  },
};
