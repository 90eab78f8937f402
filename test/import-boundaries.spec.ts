import { readFileSync, readdirSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';

/**
 * The import boundaries of eslint.config.mjs fire: each rule reports a
 * violating import in a file of the place it guards, and lets the public
 * import through. The code is linted as if it were that file (it need not exist).
 */

const ROOT = join(__dirname, '..');
const eslint = new ESLint({ cwd: ROOT, overrideConfigFile: join(ROOT, 'eslint.config.mjs') });

const BOUNDARY_RULES = ['no-restricted-imports', 'baton/no-relative-import-outside-package'];

/** The boundary findings for `code` linted as `file`, as "rule: message". */
async function findings(file: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: join(ROOT, file) });
  return result.messages.filter((m) => BOUNDARY_RULES.includes(m.ruleId ?? '')).map((m) => `${m.ruleId}: ${m.message}`);
}

const KAFKA_FILE = 'libs/kafka/src/example.ts';

describe('In a package (libs/kafka)', () => {
  it.each([
    ['an import', "import { sql } from '../../postgres/src/sql';\nvoid sql;"],
    ['a re-export', "export { sql } from '../../postgres/src/sql';"],
    ['a require', "const { sql } = require('../../postgres/src/sql');\nvoid sql;"],
    ['a dynamic import', "void import('../../postgres/src/sql');"],
  ])('reports %s by relative path that leaves libs/kafka/', async (_what, code) => {
    expect(await findings(KAFKA_FILE, code)).toEqual([
      expect.stringMatching(/^baton\/no-relative-import-outside-package: "\.\.\/\.\.\/postgres\/src\/sql" leaves libs\/kafka\//),
    ]);
  });

  it('lets a relative import within libs/kafka/ through, from any depth', async () => {
    expect(await findings(KAFKA_FILE, "import { rawOf } from './header-codec';\nvoid rawOf;")).toEqual([]);
    expect(await findings('libs/kafka/src/deep/example.ts', "import { rawOf } from '../header-codec';\nvoid rawOf;")).toEqual([]);
  });

  it('reports a deep import of a package it depends on, and lets the package name through', async () => {
    expect(await findings(KAFKA_FILE, "import { uuidv7 } from '@baton/core/src/util/uuid-v7';\nvoid uuidv7;")).toEqual([
      expect.stringMatching(/^no-restricted-imports: .*no deep imports/),
    ]);
    expect(await findings(KAFKA_FILE, "import { uuidv7 } from '@baton/core';\nvoid uuidv7;")).toEqual([]);
  });

  it.each(['@baton/postgres', '@baton/nest', '@baton/kafka'])(
    'reports %s, which libs/kafka/package.json does not list',
    async (name) => {
      expect(await findings(KAFKA_FILE, `import * as other from '${name}';\nvoid other;`)).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*libs\/kafka\/package\.json does not list this package/),
      ]);
    },
  );
});

describe('The packages a package may import', () => {
  const packages = readdirSync(join(ROOT, 'libs')).filter((dir) => existsSync(join(ROOT, 'libs', dir, 'package.json')));
  const manifestOf = (dir: string) => JSON.parse(readFileSync(join(ROOT, 'libs', dir, 'package.json'), 'utf8'));

  it.each(packages)('are, for libs/%s, exactly the Baton packages its package.json lists', async (dir) => {
    const manifest = manifestOf(dir);
    const listed = Object.keys({ ...manifest.dependencies, ...manifest.peerDependencies }).filter((n) => n.startsWith('@baton/'));
    const allowed: string[] = [];
    for (const other of packages) {
      const name = manifestOf(other).name;
      const found = await findings(`libs/${dir}/src/example.ts`, `import * as other from '${name}';\nvoid other;`);
      if (!found.length) allowed.push(name);
    }
    expect(allowed.sort()).toEqual(listed.sort());
  });
});

describe('In libs/core', () => {
  it.each(['kafkajs', 'typeorm', 'pg', '@nestjs/common', '@electric-sql/pglite', '@baton/tracing'])(
    'reports an import of %s',
    async (name) => {
      expect(await findings('libs/core/src/example.ts', `import * as other from '${name}';\nvoid other;`)).toEqual([
        expect.stringMatching(/^no-restricted-imports: /),
      ]);
    },
  );

  it('lets its peers through', async () => {
    expect(await findings('libs/core/src/example.ts', "import { z } from 'zod';\nimport { emit } from 'xstate';\nvoid z, emit;")).toEqual([]);
  });
});

describe.each(['src/app.module.ts', 'sagas/example.ts', 'participants/example.ts', 'bench/example.ts', 'contracts/example/src/index.ts'])(
  'In the application file %s',
  (file) => {
    const up = '../'.repeat(file.split('/').length - 1);

    it('reports a relative import into libs/', async () => {
      expect(await findings(file, `import { uuidv7 } from '${up}libs/core/src/util/uuid-v7';\nvoid uuidv7;`)).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*not a file under libs\//),
      ]);
    });

    it('reports a deep import of a package, and lets the package name through', async () => {
      expect(await findings(file, "import { uuidv7 } from '@baton/core/dist/index';\nvoid uuidv7;")).toEqual([
        expect.stringMatching(/^no-restricted-imports: .*no deep imports/),
      ]);
      expect(await findings(file, "import { uuidv7 } from '@baton/core';\nvoid uuidv7;")).toEqual([]);
    });
  },
);

describe('In the stock payment service (participants/stock-payment-service)', () => {
  const file = 'participants/stock-payment-service/example.ts';

  it('reports any Baton import, by package or by path', async () => {
    for (const specifier of ['@baton/participant', '@example/order-fulfillment-contracts', '../../src/config/env', '../ledger']) {
      expect(await findings(file, `import { x } from '${specifier}';\nvoid x;`)).toEqual([expect.stringMatching(/^no-restricted-imports: .*uses no Baton code/)]);
    }
  });

  it('lets @nestjs/microservices, pg and its own files through', async () => {
    const code = "import { RpcException } from '@nestjs/microservices';\nimport { Pool } from 'pg';\nimport { PaymentBook } from './payment-book';\nvoid RpcException, Pool, PaymentBook;";
    expect(await findings(file, code)).toEqual([]);
  });
});

describe('In test/', () => {
  it('lets a white-box test import a package internal by relative path', async () => {
    expect(await findings('test/example.spec.ts', "import { encodeMessage } from '../libs/kafka/src/header-codec';\nvoid encodeMessage;")).toEqual([]);
  });
});
