import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The README's ```ts blocks, for the tests that check them (test/readme.spec.ts, test/readme-snippets.e2e-spec.ts). */

export const ROOT = join(__dirname, '..', '..');
export const CONSUMERS = join(ROOT, 'test', 'consumers');

export interface Snippet {
  /** The file the block names on its first line, if it does. */
  name?: string;
  body: string;
  /** 1-based line of the README where the block's code starts. */
  line: number;
}

export function snippets(): Snippet[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const found: Snippet[] = [];
  for (const match of readme.matchAll(/```ts\n([\s\S]*?)```/g)) {
    const body = match[1];
    const line = readme.slice(0, match.index).split('\n').length + 1;
    found.push({ name: /^\/\/ (\S+\.ts)\n/.exec(body)?.[1], body, line });
  }
  return found;
}

/** The consumer app file a README block stands for, if it names one. */
export function consumerFile(snippet: Snippet): string | undefined {
  const top = snippet.name?.split('/')[0];
  return top && existsSync(join(CONSUMERS, top, 'package.json')) ? join(CONSUMERS, snippet.name!) : undefined;
}

