import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { consumerFile, snippets } from './support/readme-snippets';

/**
 * The README's TypeScript runs as written (its type-check, a whole-program
 * compile, is test/readme-snippets.e2e-spec.ts):
 * - the blocks of "Use Baton in your NestJS app" name files of the consumer
 *   apps (`// orchestrator/src/app.module.ts` is
 *   test/consumers/orchestrator/src/app.module.ts) and must equal them: CI
 *   installs those apps from the packed packages, compiles them and runs
 *   them to completed sagas (`npm run test:consumers`);
 * - the saga example is loaded and its test runs.
 */

const OUT = join(__dirname, 'readme-generated');

beforeAll(() => mkdirSync(OUT, { recursive: true }));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('The README TypeScript', () => {
  it('has blocks to check', () => {
    expect(snippets().length).toBeGreaterThan(3);
  });

  it('shows the consumer apps as they are', () => {
    const shown = snippets().filter((s) => consumerFile(s));
    expect(shown.map((s) => s.name)).toEqual(
      expect.arrayContaining([
        'contracts/src/index.ts',
        'participant/src/acme-participants.module.ts',
        'participant/src/app.module.ts',
        'orchestrator/src/app.module.ts',
        'orchestrator/src/main.ts',
      ]),
    );
    for (const snippet of shown) {
      // The block is the file after the line that names it.
      const shownBody = snippet.body.replace(/^\/\/ \S+\n/, '');
      expect({ file: snippet.name, body: shownBody }).toEqual({ file: snippet.name, body: readFileSync(consumerFile(snippet)!, 'utf8') });
    }
  });
});

describe('The README saga example', () => {
  it('defines a saga, and its test passes as written', () => {
    const blocks = new Map(snippets().map((s) => [s.name, s.body]));
    const saga = blocks.get('sagas/my-saga.ts');
    const spec = blocks.get('sagas/my-saga.spec.ts');
    expect(saga).toBeDefined();
    expect(spec).toBeDefined();
    writeFileSync(join(OUT, 'my-saga.ts'), saga!);
    writeFileSync(join(OUT, 'my-saga.spec-snippet.ts'), spec!);

    expect(jest.requireActual(join(OUT, 'my-saga.ts')).mySaga).toMatchObject({ name: 'my-saga', version: 1 });
    jest.requireActual(join(OUT, 'my-saga.spec-snippet.ts'));
  });
});
