import { SagaRegistry, defaultTopicNames, uuidv7 } from '@baton/core';
import { SagaStepUnitOfWork, createBatonDataSource } from '@baton/postgres';
import { createOrderFulfillmentSaga } from '@example/sagas';
import type { DataSource, EntityManager } from 'typeorm';
import { OutboxRepository } from '../libs/postgres/src/repositories/outbox.repository';
import { SagaRepository } from '../libs/postgres/src/repositories/saga.repository';
import { inTransaction, sql } from '../libs/postgres/src/sql';
import { StepWrites } from '../libs/postgres/src/unit-of-work/step-writes';
import { orderReply } from './support/envelopes';
import { orderFor } from './support/orders';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Folded transactions (docs/architecture.md, "Round trips of a step"): BEGIN
 * sent with the first statement, COMMIT with the last; on PostgreSQL in one
 * pipeline of the extended protocol, with statements kept prepared, on
 * PGlite as one simple query with the parameters written in as literals.
 * Against the machine's PostgreSQL and against PGlite.
 */

const tricky: Array<[string, unknown, string]> = [
  ['quotes', `it's "quoted"`, 'text'],
  ['backslashes', 'C:\\path\\n\\', 'text'],
  ['a placeholder in the value', '$1 and $2', 'text'],
  ['unicode and new lines', 'zürich 🚚\nline\ttab', 'text'],
  ['an empty string', '', 'text'],
  ['null', null, 'text'],
  ['JSON with every kind of character', JSON.stringify({ a: `it's`, b: 'back\\slash', c: ['x"y', '{}'], d: '\u2028' }), 'jsonb'],
  ['a uuid array', [uuidv7(), uuidv7()], 'uuid[]'],
  ['a text array with quotes, commas, braces, backslashes and null', ['a"b', 'c,d', '{e}', 'f\\g', null, ''], 'text[]'],
  ['a negative float', -12.5, 'float8'],
  ['a big integer', 9007199254740991, 'int8'],
  ['true', true, 'boolean'],
  ['a time', new Date('2026-11-30T21:00:00.123Z'), 'timestamptz'],
  ['bytes', Buffer.from([0, 1, 39, 92, 255]), 'bytea'],
];

const topics = defaultTopicNames();
const registry = new SagaRegistry([createOrderFulfillmentSaga({ paymentTimeoutMs: 60_000 })]);

describe.each([
  ['PostgreSQL', 'postgres'],
  ['PGlite', 'pglite'],
])('A folded transaction on %s', (_, kind) => {
  let schema: TestSchema | undefined;
  let dataSource: DataSource;

  beforeAll(async () => {
    if (kind === 'postgres') {
      schema = await TestSchema.create('fold');
      dataSource = await createBatonDataSource({ url: TEST_DATABASE_URL, schema: schema.name, poolSize: 4 });
    } else {
      dataSource = await createBatonDataSource({ dataDir: 'memory://' });
    }
    await dataSource.query(`CREATE TABLE fold_probe (n integer PRIMARY KEY, note text)`);
  });

  afterAll(async () => {
    await dataSource.destroy();
    await schema?.drop();
  });

  beforeEach(() => dataSource.query(`DELETE FROM fold_probe`));

  const probes = async () => ((await dataSource.query(`SELECT n FROM fold_probe ORDER BY n`)) as Array<{ n: number }>).map((row) => row.n);
  const insert = (tx: EntityManager, n: number, last = false) => sql(tx, `INSERT INTO fold_probe (n, note) VALUES ($1, $2)`, [n, `probe ${n}`], { last });

  it.each(tricky)('reads %s sent in a fold as the same value as a parameter of its own statement', async (_, value, type) => {
    const query = `SELECT $1::${type} AS v, pg_typeof($1::${type})::text AS t`;
    const bound = await sql(dataSource.manager, query, [value]);
    const [first, last] = await inTransaction(
      dataSource.manager,
      async (tx) => [await sql(tx, query, [value]), await sql(tx, query, [value], { last: true })],
      { fold: true },
    );
    expect(first.rows).toEqual(bound.rows);
    expect(last.rows).toEqual(bound.rows);
  });

  it('commits what its statements wrote, with the last one', async () => {
    await inTransaction(
      dataSource.manager,
      async (tx) => {
        await insert(tx, 1);
        await insert(tx, 2);
        await insert(tx, 3, true);
      },
      { fold: true },
    );
    expect(await probes()).toEqual([1, 2, 3]);
  });

  it('commits nothing when its last statement fails: the COMMIT after it is skipped', async () => {
    const failing = inTransaction(
      dataSource.manager,
      async (tx) => {
        await insert(tx, 1);
        await sql(tx, `SELECT baton_assert(false, 'the check failed')`, [], { last: true });
      },
      { fold: true },
    );
    await expect(failing).rejects.toThrow('the check failed');
    expect(await probes()).toEqual([]);
    await insert(dataSource.manager, 9);
    expect(await probes()).toEqual([9]);
  });

  it('commits nothing when its first statement fails, or the work throws between statements', async () => {
    await insert(dataSource.manager, 1);
    await expect(inTransaction(dataSource.manager, (tx) => insert(tx, 1), { fold: true })).rejects.toThrow(/duplicate key/);
    await expect(
      inTransaction(
        dataSource.manager,
        async (tx) => {
          await insert(tx, 2);
          throw new Error('decided not to');
        },
        { fold: true },
      ),
    ).rejects.toThrow('decided not to');
    expect(await probes()).toEqual([1]);
  });

  it('keeps a statement that does not go through sql() inside it: the held BEGIN goes first', async () => {
    const failing = inTransaction(
      dataSource.manager,
      async (tx) => {
        await tx.query(`INSERT INTO fold_probe (n) VALUES (5)`);
        await insert(tx, 6);
        throw new Error('roll back both');
      },
      { fold: true },
    );
    await expect(failing).rejects.toThrow('roll back both');
    expect(await probes()).toEqual([]);
  });

  it('refuses a statement after the last one', async () => {
    const after = inTransaction(
      dataSource.manager,
      async (tx) => {
        await insert(tx, 1, true);
        await insert(tx, 2);
      },
      { fold: true },
    );
    await expect(after).rejects.toThrow(/after the transaction's last one/);
    expect(await probes()).toEqual([1]);
  });

  it('commits nothing when a saga row was not at the version it was locked at: the write checks it in the statement that commits', async () => {
    const unitOfWork = new SagaStepUnitOfWork({ dataSource, registry, topics });
    const { sagaId } = await unitOfWork.start({ name: 'order-fulfillment', input: orderFor('completes', uuidv7()) });
    const failing = inTransaction(
      dataSource.manager,
      async (tx) => {
        const saga = (await new SagaRepository(dataSource).lock(tx, [sagaId])).get(sagaId)!;
        await insert(tx, 7);
        const writes = new StepWrites(new OutboxRepository(dataSource, 'baton_outbox'));
        writes.add({
          result: 'applied',
          saga: { ...saga, version: saga.version + 1 },
          row: { write: 'update', expectedVersion: saga.version + 5, ended: false },
          commands: [],
          timers: { cancel: [], schedule: [], trace: {} },
        });
        await writes.flush(tx);
      },
      { fold: true },
    );
    await expect(failing).rejects.toThrow('Saga rows changed under a locked step: 1 of 1 were not at their expected version.');
    expect(await probes()).toEqual([]);
    const [{ version }] = await dataSource.query(`SELECT version FROM baton_saga WHERE id = $1`, [sagaId]);
    expect(version).toBe(1);
  });

  it('sends a batch of replies in two round trips: BEGIN with the lock, COMMIT with the writes', async () => {
    const unitOfWork = new SagaStepUnitOfWork({ dataSource, registry, topics, batching: { maxBatchSize: 64, concurrency: 1 } });
    const sagaIds = await Promise.all([1, 2, 3].map(async () => (await unitOfWork.start({ name: 'order-fulfillment', input: orderFor('completes', uuidv7()) })).sagaId));
    const sent = await countStatements(dataSource, () =>
      Promise.all(sagaIds.map((sagaId) => unitOfWork.deliver(orderReply(sagaId, 'StockReserved', { reservationId: `r-${sagaId}` }), 'participant'))),
    );
    const statements = sent.filter((text) => !/^SELECT 1$/.test(text));
    // However the three replies were batched, each transaction sent two statements: BEGIN + lock, then writes + COMMIT.
    expect(statements.length).toBeGreaterThanOrEqual(2);
    expect(statements.length % 2).toBe(0);
    for (let i = 0; i < statements.length; i += 2) {
      expect(statements[i]).toMatch(/^START TRANSACTION;\n/);
      expect(statements[i]).toMatch(/FOR UPDATE OF s$/);
      expect(statements[i + 1]).toMatch(/^WITH saga_rows AS/);
      expect(statements[i + 1]).toMatch(/;\nCOMMIT$/);
    }
    const { n } = (await dataSource.query(`SELECT count(*)::int AS n FROM baton_saga_history WHERE kind = 'message' AND saga_id = ANY($1::uuid[])`, [sagaIds]))[0];
    expect(n).toBe(3);
  });
});

describe('A folded transaction on PostgreSQL, with a statement kept prepared', () => {
  let schema: TestSchema;
  const text = `INSERT INTO prepared_probe (n) VALUES ($1)`;

  beforeAll(async () => {
    schema = await TestSchema.create('prepared');
  });

  afterAll(() => schema.drop());

  /** A data source of one connection, so every transaction runs in the one server session pg_prepared_statements shows. */
  async function oneConnection(options: { preparedStatements?: boolean } = {}): Promise<DataSource> {
    const dataSource = await createBatonDataSource({ url: TEST_DATABASE_URL, schema: schema.name, poolSize: 1, ...options });
    await dataSource.query(`CREATE TABLE IF NOT EXISTS prepared_probe (n integer PRIMARY KEY)`);
    await dataSource.query(`DELETE FROM prepared_probe`);
    return dataSource;
  }

  const insert = (dataSource: DataSource, n: number) =>
    inTransaction(dataSource.manager, (tx) => sql(tx, text, [n], { last: true, prepared: true }), { fold: true });

  /** The session's prepared statement of `text`, if there is one. */
  async function preparedProbe(dataSource: DataSource) {
    const rows: Array<{ name: string; prepare_time: Date; generic_plans: string; custom_plans: string }> = await dataSource.query(
      `SELECT name, prepare_time, generic_plans, custom_plans FROM pg_prepared_statements WHERE statement = $1`,
      [text],
    );
    expect(rows.length).toBeLessThanOrEqual(1);
    return rows[0] && { name: rows[0].name, preparedAt: rows[0].prepare_time.getTime(), runs: Number(rows[0].generic_plans) + Number(rows[0].custom_plans) };
  }

  it('parses it once, plans it once for all parameters, and parses it again after 32 runs, then 64', async () => {
    const dataSource = await oneConnection();
    try {
      await insert(dataSource, 1);
      const first = await preparedProbe(dataSource);
      expect(first).toEqual({ name: expect.stringMatching(/^baton_[0-9a-f]{24}$/), preparedAt: expect.any(Number), runs: 1 });
      for (let n = 2; n <= 32; n++) await insert(dataSource, n);
      const before = await preparedProbe(dataSource);
      expect(before).toEqual({ ...first, runs: 32 });
      const { generic_plans } = (await dataSource.query(`SELECT generic_plans FROM pg_prepared_statements WHERE statement = $1`, [text]))[0];
      expect(Number(generic_plans)).toBeGreaterThan(0);

      await insert(dataSource, 33);
      const again = await preparedProbe(dataSource);
      expect(again).toEqual({ name: first!.name, preparedAt: expect.any(Number), runs: 1 });
      expect(again!.preparedAt).toBeGreaterThan(before!.preparedAt);
      for (let n = 34; n <= 33 + 63; n++) await insert(dataSource, n);
      expect(await preparedProbe(dataSource)).toEqual({ ...again, runs: 64 });
      await insert(dataSource, 100);
      expect((await preparedProbe(dataSource))!.runs).toBe(1);
      expect((await dataSource.query(`SELECT count(*)::int AS n FROM prepared_probe`))[0].n).toBe(97);
    } finally {
      await dataSource.destroy();
    }
  });

  it('runs it again on the connection after a transaction with it failed (it may or may not have been parsed): closed and parsed anew', async () => {
    const dataSource = await oneConnection();
    try {
      await dataSource.query(`INSERT INTO prepared_probe (n) VALUES (1)`);
      // The Parse succeeds and the insert fails: the statement exists on the server, the pipeline cannot tell.
      await expect(insert(dataSource, 1)).rejects.toThrow(/duplicate key/);
      const parsed = await preparedProbe(dataSource);
      expect(parsed).toEqual(expect.objectContaining({ runs: 1 }));
      // So the next run closes it and parses it again (a second Parse of the name alone would fail).
      await insert(dataSource, 2);
      const reparsed = await preparedProbe(dataSource);
      expect(reparsed).toEqual({ name: parsed!.name, preparedAt: expect.any(Number), runs: 1 });
      expect(reparsed!.preparedAt).toBeGreaterThan(parsed!.preparedAt);
      // A run that fails without a Parse leaves the statement as it was.
      await expect(insert(dataSource, 2)).rejects.toThrow(/duplicate key/);
      await insert(dataSource, 3);
      expect(await preparedProbe(dataSource)).toEqual({ ...reparsed, runs: 3 });
      expect((await dataSource.query(`SELECT n FROM prepared_probe ORDER BY n`)).map((row: { n: number }) => row.n)).toEqual([1, 2, 3]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('parses its statements again after the session lost them (DEALLOCATE ALL, DISCARD ALL): one transaction fails, the next ones run', async () => {
    const dataSource = await oneConnection();
    try {
      await insert(dataSource, 1);
      for (const reset of ['DEALLOCATE ALL', 'DISCARD ALL']) {
        await dataSource.query(reset);
        expect(await preparedProbe(dataSource)).toBeUndefined();
        await expect(insert(dataSource, 2)).rejects.toThrow(/prepared statement .* does not exist/);
        await insert(dataSource, 2);
        await insert(dataSource, 3);
        expect(await preparedProbe(dataSource)).toEqual(expect.objectContaining({ runs: 2 }));
        await dataSource.query(`DELETE FROM prepared_probe WHERE n > 1`);
      }
    } finally {
      await dataSource.destroy();
    }
  });

  it('answers a value pg cannot send with its error, and leaves the connection usable', async () => {
    const dataSource = await oneConnection();
    try {
      const circular: Record<string, unknown> = {};
      circular.self = circular;
      await expect(inTransaction(dataSource.manager, (tx) => sql(tx, `SELECT $1::jsonb AS v`, [circular], { last: true, prepared: true }), { fold: true })).rejects.toThrow(
        /circular/i,
      );
      await insert(dataSource, 4);
      expect((await dataSource.query(`SELECT n FROM prepared_probe`)).map((row: { n: number }) => row.n)).toEqual([4]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('refuses a COPY before sending anything (what follows it in a pipeline would arrive during the copy), and leaves the connection usable', async () => {
    const dataSource = await oneConnection();
    try {
      await expect(inTransaction(dataSource.manager, (tx) => sql(tx, `COPY prepared_probe FROM STDIN`, [], { last: true }), { fold: true })).rejects.toThrow(
        /A pipeline cannot run COPY/,
      );
      await insert(dataSource, 5);
      expect((await dataSource.query(`SELECT n FROM prepared_probe`)).map((row: { n: number }) => row.n)).toEqual([5]);
    } finally {
      await dataSource.destroy();
    }
  });

  it('prepares nothing with preparedStatements: false (a pooler that does not keep them)', async () => {
    const dataSource = await oneConnection({ preparedStatements: false });
    try {
      await insert(dataSource, 1);
      await insert(dataSource, 2);
      expect(await preparedProbe(dataSource)).toBeUndefined();
      expect((await dataSource.query(`SELECT count(*)::int AS n FROM pg_prepared_statements`))[0].n).toBe(0);
      expect((await dataSource.query(`SELECT count(*)::int AS n FROM prepared_probe`))[0].n).toBe(2);
    } finally {
      await dataSource.destroy();
    }
  });
});

/** The statement texts `work` sent through the data source's connections (TypeORM checks them out with `connect(callback)`, of pg's pool and of PGlite's alike). */
async function countStatements(dataSource: DataSource, work: () => Promise<unknown>): Promise<string[]> {
  type Client = { query: (...args: unknown[]) => unknown };
  type Checkout = (error: Error | null, client?: Client, release?: (error?: Error) => void) => void;
  const pool = (dataSource.driver as unknown as { master: { connect(callback: Checkout): void } }).master;
  const connect = pool.connect;
  const sent: string[] = [];
  pool.connect = function (this: unknown, callback: Checkout) {
    return connect.call(this, (error, client, release) => {
      if (error || !client || !release) return callback(error, client, release);
      const query = client.query;
      client.query = function (this: unknown, ...args: unknown[]) {
        if (typeof args[0] === 'string') sent.push(args[0]);
        // pg's: a pipeline (pipeline.ts) sends its statements in one round trip; its text joins them as one simple query would.
        if ((args[0] as { constructor?: { name?: string } } | undefined)?.constructor?.name === 'Pipeline') sent.push((args[0] as { text: string }).text);
        return query.apply(this, args);
      };
      callback(null, client, (releaseError?: Error) => {
        client.query = query;
        release(releaseError);
      });
    });
  };
  try {
    await work();
  } finally {
    pool.connect = connect;
  }
  return sent;
}
