// The DBOS Transact side of `npm run bench:peers` (see run-peers.mjs): the
// benchmark's order saga written as a DBOS workflow, driven the way
// bench/run-bench.ts drives Baton's (closed loop, a warm-up, then the timed
// phase). run-peers.mjs copies this file into the cache folder where it
// installed @dbos-inc/dbos-sdk, so the import below resolves there and DBOS
// is never a dependency of Baton's packages.
//
// The work per order is Baton's (sagas/order-fulfillment, participants/*):
// - stock and payment at once; then shipping and a notification (completes);
// - stock refused: the payment authorized meanwhile is voided;
// - payment refused: the reservation is released;
// - payment never answers: after ORDER_PAYMENT_TIMEOUT_MS the authorization
//   is voided (there is none: 'nothing-to-void') and the stock released.
// Each participant's effect is a ledger row written in a transaction of its
// own, with a unique key on (participant, command id): a step that re-runs
// after a crash writes nothing twice, which is what Baton's inbox dedupe by
// message id gives its participants. A compensation reads the order's
// standing effects first, as Baton's participants do (participants/ledger.ts).
//
// Env: DATABASE_URL (a database of this run's own: DBOS's system tables and the
// ledger), BENCH_SAGAS, BENCH_CONCURRENCY, BENCH_WARMUP_SAGAS,
// ORDER_PAYMENT_TIMEOUT_MS, DBOS_PEERS_RESULT (where to write the figures).
import { writeFileSync } from 'node:fs';
import console from 'node:console';
import { performance } from 'node:perf_hooks';
import process from 'node:process';
import { DBOS } from '@dbos-inc/dbos-sdk';
import pg from 'pg';
import { integer } from './env.mjs';

const url = process.env.DATABASE_URL;
const SAGAS = integer('BENCH_SAGAS', 10_000);
const CONCURRENCY = integer('BENCH_CONCURRENCY', 50);
const WARMUP = integer('BENCH_WARMUP_SAGAS', Math.min(1_000, Math.ceil(SAGAS / 10)));
const PAYMENT_TIMEOUT_MS = integer('ORDER_PAYMENT_TIMEOUT_MS', 1_000);
/** Baton's host pool (DATABASE_POOL_SIZE, default 10); DBOS's system pool is its own default, 10, too. */
const POOL_SIZE = integer('DATABASE_POOL_SIZE', 10);

/** bench/run-bench.ts's MIX, in the same order. */
const MIX = ['completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'completes', 'stock-refused', 'payment-refused', 'payment-times-out'];

/** bench/run-bench.ts's order(i), its order id prefixed with the phase (warm-up and peak reuse the indexes). */
function order(phase, i) {
  const scenario = MIX[i % MIX.length];
  return {
    orderId: `${phase}-bench-${i}`,
    customerId: `customer-${i % 97}`,
    items: [{ sku: scenario === 'stock-refused' ? 'OOS-BENCH' : `SKU-${i % 13}`, quantity: 1 + (i % 3) }],
    amountCents: 1000 + i,
    currency: 'EUR',
    paymentToken: scenario === 'payment-refused' ? 'tok_declined' : scenario === 'payment-times-out' ? 'tok_unresponsive' : 'tok_visa',
    shippingAddress: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
  };
}

const ledger = new pg.Pool({ connectionString: url, max: POOL_SIZE });

/** One participant's effect, in a transaction of its own; `standing` first reads what an undo would undo. */
async function applyEffect(participant, step, orderId, decide) {
  const commandId = `${DBOS.workflowID}:${step}`;
  const client = await ledger.connect();
  try {
    await client.query('BEGIN');
    const standing = (effect, undo) =>
      client
        .query(
          `WITH order_rows AS MATERIALIZED (
             SELECT id, outcome, details FROM peers_ledger WHERE order_id = $1 AND participant = $2)
           SELECT details FROM order_rows
            WHERE outcome = $3 AND id > COALESCE((SELECT max(id) FROM order_rows WHERE outcome = $4), 0)
            ORDER BY id`,
          [orderId, participant, effect, undo],
        )
        .then((result) => result.rows.map((row) => row.details));
    const { outcome, details = {} } = await decide(standing);
    const inserted = await client.query(
      `INSERT INTO peers_ledger (participant, command_id, command_type, workflow_id, order_id, outcome, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (participant, command_id) DO NOTHING`,
      [participant, commandId, step, DBOS.workflowID, orderId, outcome, details],
    );
    await client.query('COMMIT');
    // Already applied (a re-run): the answer is the one recorded.
    if (inserted.rowCount === 0) {
      const { rows } = await client.query(`SELECT outcome, details FROM peers_ledger WHERE participant = $1 AND command_id = $2`, [participant, commandId]);
      return rows[0];
    }
    return { outcome, details };
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}

const reserveStock = DBOS.registerStep(
  async (o) =>
    applyEffect('inventory', 'ReserveStock', o.orderId, async () => {
      const missing = o.items.find((item) => item.sku.startsWith('OOS-'));
      if (missing) return { outcome: 'refused', details: { reason: `SKU ${missing.sku} is out of stock` } };
      return { outcome: 'reserved', details: { reservationId: `res-${DBOS.workflowID}`, items: o.items } };
    }),
  { name: 'reserveStock' },
);

const authorizePayment = DBOS.registerStep(
  async (o) =>
    applyEffect('payment', 'AuthorizePayment', o.orderId, async () => {
      if (o.paymentToken === 'tok_unresponsive') return { outcome: 'unanswered' };
      if (o.paymentToken === 'tok_declined') return { outcome: 'refused', details: { reason: 'card declined' } };
      return { outcome: 'authorized', details: { authorizationId: `auth-${DBOS.workflowID}`, amountCents: o.amountCents } };
    }),
  { name: 'authorizePayment' },
);

const scheduleShipment = DBOS.registerStep(
  async (o) => applyEffect('shipping', 'ScheduleShipment', o.orderId, async () => ({ outcome: 'scheduled', details: { shipmentId: `shp-${DBOS.workflowID}` } })),
  { name: 'scheduleShipment' },
);

const notifyCustomer = DBOS.registerStep(
  async (o) => applyEffect('notification', 'NotifyCustomer', o.orderId, async () => ({ outcome: 'sent', details: { customerId: o.customerId, template: 'order-confirmed' } })),
  { name: 'notifyCustomer' },
);

const releaseStock = DBOS.registerStep(
  async (o) =>
    applyEffect('inventory', 'ReleaseStock', o.orderId, async (standing) => {
      const reservations = await standing('reserved', 'released');
      if (!reservations.length) return { outcome: 'nothing-to-release' };
      return { outcome: 'released', details: { reservationIds: reservations.map((r) => String(r.reservationId)) } };
    }),
  { name: 'releaseStock' },
);

const voidAuthorization = DBOS.registerStep(
  async (o) =>
    applyEffect('payment', 'VoidAuthorization', o.orderId, async (standing) => {
      const authorizations = await standing('authorized', 'voided');
      if (!authorizations.length) return { outcome: 'nothing-to-void' };
      return { outcome: 'voided', details: { authorizationIds: authorizations.map((a) => String(a.authorizationId)) } };
    }),
  { name: 'voidAuthorization' },
);

/** The order: stock and payment at once (started in a fixed order, as DBOS's replay needs), then ship and notify, or undo newest first. */
const orderWorkflow = DBOS.registerWorkflow(
  async (o) => {
    const [stock, authorization] = await Promise.all([reserveStock(o), authorizePayment(o)]);
    let payment = authorization.outcome;
    if (payment === 'unanswered') {
      // The gateway may still answer (DBOS.send to this workflow); past the deadline the authorization may have gone through.
      const late = await DBOS.recv('payment', { timeoutSeconds: PAYMENT_TIMEOUT_MS / 1000 });
      payment = late?.outcome ?? 'timed-out';
    }
    if (stock.outcome === 'reserved' && payment === 'authorized') {
      await scheduleShipment(o);
      await notifyCustomer(o);
      return 'completed';
    }
    if (payment === 'authorized' || payment === 'timed-out') await voidAuthorization(o);
    if (stock.outcome === 'reserved') await releaseStock(o);
    return 'compensated';
  },
  { name: 'orderFulfillment' },
);

/** Keeps `concurrency` workflows in flight, a new one starting as one ends, until `total` have ended. */
async function closedLoop(phase, total, concurrency, onEnd) {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const i = next++;
      const handle = await DBOS.startWorkflow(orderWorkflow, { workflowID: `${phase}-${i}` })(order(phase, i));
      onEnd(await handle.getResult());
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, total) }, worker));
}

function progress(phase, total) {
  const began = performance.now();
  let ended = 0;
  let drawnAt = 0;
  return (status) => {
    ended++;
    if (status !== 'completed' && status !== 'compensated') throw new Error(`workflow ended ${status}`);
    if (performance.now() - drawnAt < 250 && ended < total) return;
    drawnAt = performance.now();
    const rate = ended / Math.max(0.001, (performance.now() - began) / 1000);
    process.stderr.write(`\r${phase.padEnd(10)} ${ended}/${total} workflows ended, ${rate.toFixed(0)}/s   ${ended === total ? '\n' : ''}`);
  };
}

async function main() {
  const setup = new pg.Client({ connectionString: url });
  await setup.connect();
  await setup.query(`
    CREATE TABLE peers_ledger (
      id           bigserial PRIMARY KEY,
      participant  text NOT NULL,
      command_id   text NOT NULL,
      command_type text NOT NULL,
      workflow_id  text NOT NULL,
      order_id     text NOT NULL,
      outcome      text NOT NULL,
      details      jsonb NOT NULL DEFAULT '{}',
      applied_at   timestamptz NOT NULL DEFAULT now(),
      UNIQUE (participant, command_id)
    )`);
  await setup.query(`CREATE INDEX peers_ledger_order ON peers_ledger (order_id, command_type)`);

  DBOS.setConfig({ name: 'baton-peers', systemDatabaseUrl: url, systemDatabasePoolSize: POOL_SIZE, logLevel: 'warn' });
  await DBOS.launch();
  process.stderr.write(`DBOS Transact benchmark: postgres; ${SAGAS} workflows at ${CONCURRENCY} in flight\n`);

  await closedLoop('warmup', WARMUP, CONCURRENCY, progress('warm-up', WARMUP));
  const statuses = { completed: 0, compensated: 0 };
  const peak = progress('peak', SAGAS);
  const cpuBefore = process.cpuUsage();
  const began = performance.now();
  await closedLoop('peak', SAGAS, CONCURRENCY, (status) => {
    statuses[status]++;
    peak(status);
  });
  const elapsedMs = performance.now() - began;
  const cpu = process.cpuUsage(cpuBefore);
  await DBOS.shutdown();
  await ledger.end();

  // Every order's ledger balances: a completed order holds one each of reserved, authorized, scheduled and sent, and
  // no undo; any other order holds no shipment or notification, a release per reservation and a void per authorization.
  const [check] = (
    await setup.query(`
      WITH per_order AS (
        SELECT order_id,
               count(*) FILTER (WHERE outcome = 'reserved') AS reserved,
               count(*) FILTER (WHERE outcome = 'released') AS released,
               count(*) FILTER (WHERE outcome = 'authorized') AS authorized,
               count(*) FILTER (WHERE outcome = 'voided') AS voided,
               count(*) FILTER (WHERE outcome = 'scheduled') AS scheduled,
               count(*) FILTER (WHERE outcome = 'sent') AS sent
          FROM peers_ledger GROUP BY order_id)
      SELECT count(*) AS orders,
             count(*) FILTER (WHERE sent = 1) AS completed,
             count(*) FILTER (WHERE sent <> 1) AS compensated,
             count(*) FILTER (WHERE NOT (
               (sent = 1 AND reserved = 1 AND authorized = 1 AND scheduled = 1 AND released = 0 AND voided = 0) OR
               (sent = 0 AND scheduled = 0 AND released = reserved AND voided = authorized))) AS unbalanced
        FROM per_order`)
  ).rows;
  const { rows: outcomes } = await setup.query(`SELECT participant, outcome, count(*)::int AS n FROM peers_ledger GROUP BY 1, 2 ORDER BY 1, 2`);
  const serverVersion = (await setup.query('SHOW server_version')).rows[0].server_version;
  await setup.end();

  const ledgerCheck = { orders: Number(check.orders), completed: Number(check.completed), compensated: Number(check.compensated), unbalanced: Number(check.unbalanced) };
  const result = {
    settings: { workflows: SAGAS, concurrency: CONCURRENCY, warmupWorkflows: WARMUP, paymentTimeoutMs: PAYMENT_TIMEOUT_MS, poolSize: POOL_SIZE },
    dbos: '5.3.0',
    database: serverVersion,
    peak: {
      statuses,
      elapsedMs: Math.round(elapsedMs),
      workflowsPerSecond: +((SAGAS / elapsedMs) * 1000).toFixed(1),
      // Of one core, as Baton's hostCpuPercent.
      processCpuPercent: Math.round(((cpu.user + cpu.system) / 1000 / elapsedMs) * 100),
    },
    ledger: { ...ledgerCheck, outcomes: outcomes.map((row) => `${row.participant} ${row.outcome}: ${row.n}`) },
  };
  process.stderr.write(`${result.peak.workflowsPerSecond} workflows/s (${JSON.stringify(statuses)})\n`);
  process.stderr.write(`ledger: ${ledgerCheck.orders} orders, ${ledgerCheck.completed} completed, ${ledgerCheck.compensated} compensated, ${ledgerCheck.unbalanced} unbalanced\n`);
  if (process.env.DBOS_PEERS_RESULT) writeFileSync(process.env.DBOS_PEERS_RESULT, JSON.stringify(result, null, 2) + '\n');
  if (ledgerCheck.unbalanced !== 0 || ledgerCheck.orders !== SAGAS + WARMUP) throw new Error(`The ledger does not balance: ${JSON.stringify(ledgerCheck)}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
