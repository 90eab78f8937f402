import type { SagaDefinition } from '@baton/core';
import { checkPath, everyPath, type EveryPath, type EveryPathOptions, type PathEnd, type SagaPath } from './every-path';

/**
 * The test framework's globals this needs (Jest's, or any with the same
 * `describe` and `it`), read when `describeEveryPath` is called, so the
 * package imports no test framework.
 */
interface TestGlobals {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => void): void;
}

/** What `describeEveryPath` takes beside `everyPath`'s options. */
export interface DescribeEveryPathOptions extends EveryPathOptions {
  /** One test per path (named by its inputs), or one per way the paths end (each checking all of its paths). @default 'path' */
  readonly testPer?: 'path' | 'end';
  /** Logs the suite's title and what was explored (console.info), so the count shows in a run that lists no suite names. @default true */
  readonly log?: boolean;
}

/** `completed 202, compensated 1809, stuck 2037`: how many paths end each way. */
export function describeEnds(result: EveryPath): string {
  return Object.entries(result.ends)
    .map(([end, count]) => `${end} ${count}`)
    .join(', ');
}

/** Fails with every broken rule of the paths given, each naming its path. */
function checkAll(definition: SagaDefinition, paths: readonly SagaPath[]): void {
  const failed = paths.map((path) => checkPath(definition, path).message).filter((message): message is string => !!message);
  if (failed.length) throw new Error(`${failed.length} of ${paths.length} path(s) broke a rule:\n\n${failed.join('\n\n')}`);
}

/**
 * Registers a test suite for every path of a saga (see `everyPath`):
 * `describe('order-fulfillment@1: 6935 paths (completed 202, ...)')` with one
 * test per path, which runs it again and checks every rule of `checkPath`
 * (the title is also logged: a run of many spec files names no suite).
 * Call it at the top level of a spec file, with the test framework's global
 * `describe` and `it` (Jest's); it returns what `everyPath` found.
 */
export function describeEveryPath(definition: SagaDefinition, options: DescribeEveryPathOptions = {}): EveryPath {
  const { describe, it } = globalThis as unknown as Partial<TestGlobals>;
  if (typeof describe !== 'function' || typeof it !== 'function') {
    throw new Error('describeEveryPath registers tests with the global describe and it of a test framework (Jest): call it in a spec file.');
  }
  const result = everyPath(definition, options);
  const title = `${result.saga}: ${result.paths.length} paths (${describeEnds(result)})`;
  if (options.log !== false) {
    console.info(`${title}, covering ${result.transitions} inputs in ${result.situations} situations of the saga`);
  }
  describe(title, () => {
    if (options.testPer === 'end') {
      for (const end of Object.keys(result.ends) as PathEnd[]) {
        const paths = result.paths.filter((path) => path.end === end);
        it(`ends ${end}: ${paths.length} paths`, () => checkAll(definition, paths));
      }
      return;
    }
    for (const path of result.paths) it(`ends ${path.end}: ${path.name}`, () => checkAll(definition, [path]));
  });
  return result;
}
