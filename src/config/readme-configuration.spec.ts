import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { hostVariables } from './app.config';
import { variablesOf } from './env';
import { exampleVariables } from './example.config';

/** The README's "Configuration" section, up to the next heading of its level. */
function configurationSection(): string {
  const readme = readFileSync(join(__dirname, '..', '..', 'README.md'), 'utf8');
  const start = readme.indexOf('\n## Configuration\n');
  expect(start).toBeGreaterThan(-1);
  const end = readme.indexOf('\n## ', start + 1);
  return readme.slice(start, end === -1 ? undefined : end);
}

describe("The README's configuration tables", () => {
  const declared = [...variablesOf(hostVariables), ...variablesOf(exampleVariables)].map((v) => v.name);

  it('name every variable the host and the example read', () => {
    const section = configurationSection();
    expect(declared.filter((name) => !section.includes(`\`${name}\``))).toEqual([]);
  });

  it('list no variable that is not read (but those of the test suite)', () => {
    const rows = [...configurationSection().matchAll(/^\| `([A-Z][A-Z0-9_]*)` \|/gm)].map((row) => row[1]);
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((name) => !declared.includes(name) && !name.startsWith('TEST_'))).toEqual([]);
  });
});
