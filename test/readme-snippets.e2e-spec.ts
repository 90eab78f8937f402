import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import * as ts from 'typescript';
import { ROOT, consumerFile, snippets } from './support/readme-snippets';

/**
 * Every ```ts block of the README type-checks (strict, as the repository's
 * tsconfig), each a module of its own. A block whose first line names a file
 * (`// sagas/my-saga.ts`) is written at that path, so the blocks after it can
 * import it. The consumer app files the README shows are compiled by
 * `npm run test:consumers` against the packed packages instead (their
 * contracts package is not in this workspace); test/readme.spec.ts checks the
 * README shows them as they are.
 */

const OUT = join(__dirname, 'readme-typecheck');

afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('The README TypeScript', () => {
  it('type-checks every block that is not a consumer app file', () => {
    const files: string[] = [];
    const lineOf = new Map<string, number>();
    for (const snippet of snippets()) {
      if (consumerFile(snippet)) continue;
      const file = join(OUT, snippet.name ?? `readme-line-${snippet.line}.ts`);
      mkdirSync(dirname(file), { recursive: true });
      // A block without imports or exports would be a script sharing one scope with the others.
      writeFileSync(file, `${snippet.body}\nexport {};\n`);
      files.push(file);
      lineOf.set(file, snippet.line);
    }
    const config = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'tsconfig.json'), {}, {
      ...ts.sys,
      onUnRecoverableConfigFileDiagnostic: (d) => {
        throw new Error(ts.flattenDiagnosticMessageText(d.messageText, '\n'));
      },
    })!;
    const program = ts.createProgram(files, { ...config.options, noEmit: true, incremental: false });
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file && lineOf.has(d.file.fileName))
      .map((d) => {
        const { line } = d.file!.getLineAndCharacterOfPosition(d.start ?? 0);
        return `README.md:${lineOf.get(d.file!.fileName)! + line - 1} (${relative(OUT, d.file!.fileName)}): ${ts.flattenDiagnosticMessageText(d.messageText, ' ')}`;
      });
    expect(problems).toEqual([]);
  });

});
