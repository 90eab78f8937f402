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
 * sent with the first statement, COMMIT with the last, parameters written
 * in as literals. Against the machine's PostgreSQL and against PGlite.
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

  it.each(tricky)('reads %s written in as a literal as the same value as a parameter', async (_, value, type) => {
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
