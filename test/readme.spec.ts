import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The README's "Writing a saga" snippets run as written: the saga file is
 * written out next to this test and loaded, and the harness snippet is run
 * against it (with the one import a spec file beside it would have).
 */

const ROOT = join(__dirname, '..');
const OUT = join(__dirname, 'readme-generated');

/** The README's ```ts blocks whose first line names a file, by that name. */
function snippets(): Map<string, string> {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found = new Map<string, string>();
  for (const [, body] of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const named = /^\/\/ (\S+\.ts)\n/.exec(body);
    if (named) found.set(named[1], body);
  }
  return found;
}

beforeAll(() => mkdirSync(OUT, { recursive: true }));
afterAll(() => rmSync(OUT, { recursive: true, force: true }));

describe('The README saga example', () => {
  it('defines a saga, and its test passes as written', () => {
    const blocks = snippets();
    const saga = blocks.get('sagas/my-saga.ts');
    const spec = blocks.get('sagas/my-saga.spec.ts');
    expect(saga).toBeDefined();
    expect(spec).toBeDefined();
    writeFileSync(join(OUT, 'my-saga.ts'), saga!);
    writeFileSync(join(OUT, 'my-saga.spec-snippet.ts'), `import { mySaga } from './my-saga';\n${spec}`);

    expect(jest.requireActual(join(OUT, 'my-saga.ts')).mySaga).toMatchObject({ name: 'my-saga', version: 1 });
    jest.requireActual(join(OUT, 'my-saga.spec-snippet.ts'));
  });
});
