import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { Kafka, logLevel, type Admin } from 'kafkajs';
import { Client } from 'pg';
import { HostProcess, PARTICIPANTS_READY } from '../support/host-process';
import { SCENARIOS, type OrderScenario } from '../support/orders';
import { PrivateKafka } from '../support/private-kafka';
import { PrivatePostgres } from '../support/private-postgres';
import { FaultLog, injectFaults, type Fault, type InjectedFault } from './fault-schedule';
import { doubledEffects, implausibleEnding, unbalancedLedger, unrecognisedOutcomes, type LedgerRow } from './ledger-audit';
import { OrderClient } from './order-client';
import { Reaper } from './reaper';
import { SupervisedProcess, outputOfLastRun } from './supervised-process';

/**
 * The saga guarantee under kills and restarts. Several hundred order sagas of
 * mixed outcomes are started by a client that retries like a real one, while
 * the host is SIGKILLed again and again, the participants once, the broker is
 * restarted and PostgreSQL crashes. Everything is the test's own: a private
 * PostgreSQL cluster, a private Kafka broker, the compiled host and example
 * participants as processes. Afterwards every saga must have ended, none may
 * be lost or created twice, no command applied twice, and each participant's
 * ledger must read T1…Tn, or T1…Tj followed by Cj…C1 (docs/architecture.md,
 * "Commands in flight and unknown outcomes").
 */

const ORDERS = 400;
/** The orders are started over this long; the faults fall inside it. */
const LOAD_MS = 150_000;
/** How long the saga waits for inventory/shipping/compensations before resending; after 3 attempts (~9 s) it gives up. */
const REPLY_TIMEOUT_MS = 2_500;
const PAYMENT_TIMEOUT_MS = 6_000;
/** Longer than a step takes to give up, so an outage of this length makes steps fail. */
const LONG_OUTAGE_MS = 15_000;
/** The next fault waits for the system to recover from the last one, at most this long. */
const RECOVERY_WAIT_MS = 45_000;
/** After the load and the faults: how long every saga has to end and every message to be consumed. */
const SETTLE_DEADLINE_MS = 150_000;
/** Offenders listed per finding in the failure message (all of them are in the JSON report). */
const LISTED = 10;

const ROOT = join(__dirname, '..', '..');
const HOST_SCHEMA = 'orchestrator';
const PARTICIPANT_SCHEMA = 'participants';
const runId = `f${Date.now().toString(36)}`;
const reportDir = join(ROOT, '.data', 'fault-runs', new Date().toISOString().replace(/[:.]/g, '-'));

let postgres: PrivatePostgres | undefined;
let kafka: PrivateKafka | undefined;
let host: SupervisedProcess;
let participants: SupervisedProcess;
let log: FaultLog;
let reaper: Reaper | undefined;

beforeAll(async () => {
  reaper = Reaper.start();
  log = new FaultLog();
  // Both at once; whichever started is cleaned up by afterAll even if the other failed.
  const [cluster, broker] = await Promise.allSettled([PrivatePostgres.start(), PrivateKafka.start()]);
  if (cluster.status === 'fulfilled') postgres = cluster.value;
  if (broker.status === 'fulfilled') kafka = broker.value;
  if (postgres) {
    // The host and the participants, whichever incarnation runs when jest dies, then the cluster.
    reaper.processesWith('DATABASE_URL', postgres.url);
    reaper.pidIn(join(postgres.dataDir, 'postmaster.pid'), 'SIGQUIT');
    reaper.folder(dirname(postgres.dataDir));
  }
  if (kafka) {
    reaper.pidIn(join(kafka.dir, 'broker.pid'), 'SIGKILL');
    reaper.folder(kafka.dir);
  }
  if (cluster.status === 'rejected') throw cluster.reason;
  if (broker.status === 'rejected') throw broker.reason;
  log.write(`private PostgreSQL on port ${postgres!.port}, private Kafka on ${kafka!.brokers} (${kafka!.dir})`);
  await query(`CREATE SCHEMA ${HOST_SCHEMA}; CREATE SCHEMA ${PARTICIPANT_SCHEMA}`);

  const common = { KAFKA_BROKERS: kafka!.brokers, DATABASE_URL: postgres!.url, KAFKA_PARTITIONS: '3', LOG_FORMAT: 'json' };
  host = new SupervisedProcess(
    'host',
    new HostProcess({
      ...common,
      DATABASE_SCHEMA: HOST_SCHEMA,
      ORDER_REPLY_TIMEOUT_MS: String(REPLY_TIMEOUT_MS),
      ORDER_PAYMENT_TIMEOUT_MS: String(PAYMENT_TIMEOUT_MS),
      TIMER_POLL_INTERVAL_MS: '100',
    }),
    (line) => log.write(line),
  );
  participants = new SupervisedProcess(
    'participants',
    new HostProcess(
      { ...common, DATABASE_SCHEMA: PARTICIPANT_SCHEMA, PARTICIPANT_LATENCY_MS: '50' },
      join('dist', 'participants', 'main.js'),
      async (child) => outputOfLastRun(child).includes(PARTICIPANTS_READY),
    ),
    (line) => log.write(line),
  );
  await host.start();
  await participants.start();
}, 300_000);

afterAll(async () => {
  await Promise.all([host?.retire(), participants?.retire()]);
  mkdirSync(reportDir, { recursive: true });
  if (host) writeFileSync(join(reportDir, 'host.log'), host.output);
  if (participants) writeFileSync(join(reportDir, 'participants.log'), participants.output);
  if (log) writeFileSync(join(reportDir, 'faults.log'), log.lines.join('\n') + '\n');
  kafka?.destroy();
  postgres?.destroy();
  reaper?.dismiss();
}, 120_000);

/** One statement on the private cluster, on a connection of its own (the server restarts under the test). */
async function query<T = Record<string, unknown>>(sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: postgres!.url, connectionTimeoutMillis: 5_000 });
  client.on('error', () => undefined);
  await client.connect();
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => undefined);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** SIGKILL, then (after `downMs`) a new process, as a supervisor would. */
async function killAndRestart(victim: SupervisedProcess, downMs: number) {
  const downAt = await victim.kill();
  await sleep(downMs);
  await victim.start(downMs ? `SIGKILL, down ${downMs / 1000} s` : 'SIGKILL, restarted at once', downAt);
  return { downAt, backAt: victim.starts.at(-1)!.readyAt! };
}

/** Whether, since `since`, the host applied a reply and a participant applied an effect. */
async function sagasMoveSince(since: number): Promise<boolean> {
  const [row] = await query<{ moves: boolean }>(
    `SELECT EXISTS (SELECT 1 FROM ${HOST_SCHEMA}.baton_saga_history WHERE kind = 'message' AND at >= $1)
        AND EXISTS (SELECT 1 FROM ${PARTICIPANT_SCHEMA}.example_ledger WHERE applied_at >= $1) AS moves`,
    [new Date(since)],
  );
  return row.moves;
}

/**
 * The schedule: when each fault hits, counted from the first order (later if
 * the system has not recovered from the fault before; see injectFaults).
 */
function faults(): Fault[] {
  return [
    { at: 8_000, name: 'host SIGKILL, restarted at once', run: () => killAndRestart(host, 0) },
    { at: 20_000, name: `participants SIGKILL, down ${LONG_OUTAGE_MS / 1000} s`, run: () => killAndRestart(participants, LONG_OUTAGE_MS) },
    { at: 40_000, name: `host SIGKILL, down ${LONG_OUTAGE_MS / 1000} s`, run: () => killAndRestart(host, LONG_OUTAGE_MS) },
    {
      at: 62_000,
      name: 'broker stopped (kafka.sh stop), down 8 s, started again',
      run: async () => {
        const downAt = Date.now();
        await kafka!.stop();
        await sleep(8_000);
        await kafka!.restart();
        return { downAt, backAt: Date.now() };
      },
    },
    {
      at: 80_000,
      name: 'PostgreSQL crash and restart (pg_ctl restart -m immediate)',
      run: async () => {
        const downAt = Date.now();
        postgres!.restartImmediate();
        return { downAt, backAt: Date.now() };
      },
    },
    { at: 88_000, name: 'host SIGKILL, restarted at once', run: () => killAndRestart(host, 0) },
    {
      at: 100_000,
      name: 'PostgreSQL crash (pg_ctl stop -m immediate), down 5 s, started again',
      run: async () => {
        const downAt = Date.now();
        postgres!.crash();
        await sleep(5_000);
        postgres!.start();
        return { downAt, backAt: Date.now() };
      },
    },
    { at: 110_000, name: 'host SIGKILL, restarted at once', run: () => killAndRestart(host, 0) },
  ];
}

interface SagaRow {
  id: string;
  status: string;
  ended: boolean;
  order_id: string;
  idempotency_key: string | null;
  failure: { step?: string; reason?: string } | null;
}

describe('Order sagas under kills and restarts', () => {
  it(`keep every participant's ledger balanced: ${ORDERS} orders while the host, the participants, the broker and PostgreSQL fail`, async () => {
    const client = new OrderClient(host.child.baseUrl, runId);
    const setupMs = Date.now() - log.t0;
    log.restartClock();
    const t0 = log.t0;
    log.write(`load: ${ORDERS} orders over ${LOAD_MS / 1000} s (${SCENARIOS.join(', ')})`);
    const clientDeadline = t0 + LOAD_MS + SETTLE_DEADLINE_MS / 2;
    const [, injected] = await Promise.all([
      client.placeOrders(ORDERS, SCENARIOS, LOAD_MS, clientDeadline),
      injectFaults(faults(), log, { recovered: sagasMoveSince, maxWaitMs: RECOVERY_WAIT_MS, until: t0 + LOAD_MS }),
    ]);
    log.write(`load over: ${client.orders.filter((o) => o.acceptedAt).length} of ${ORDERS} orders accepted`);

    const settled = await settle(Date.now() + SETTLE_DEADLINE_MS);
    log.write(settled ? 'settled: every saga ended (or is stuck), every message consumed' : 'NOT settled by the deadline');

    const findings = await audit(client, settled);
    const recovery = await recoveryTimes(injected);
    const summary = await summarize(client, findings, recovery, Date.now() - t0, setupMs);
    process.stderr.write(`\n${summary}\n`);

    const failed = Object.entries(findings).filter(([, list]) => list.length);
    if (failed.length) {
      const listing = ([finding, list]: [string, string[]]) =>
        [`${finding}: ${list.length}`, ...list.slice(0, LISTED).map((line) => `  - ${line}`), ...(list.length > LISTED ? [`  ... and ${list.length - LISTED} more`] : [])].join('\n');
      throw new Error(`The saga guarantee does not hold (all findings and the offenders' timelines in ${reportDir}):\n\n${failed.map(listing).join('\n\n')}`);
    }
    // A backstop only: the deadlines above end the run well before it.
  }, 480_000);
});

/**
 * Waits until nothing can move any more: every saga ended or is stuck, both
 * outboxes are empty, and both consumer groups have consumed everything.
 * Checked twice in a row, since the checks are not one snapshot.
 */
async function settle(deadline: number): Promise<boolean> {
  const admin = new Kafka({ clientId: 'baton-fault-test', brokers: [kafka!.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    let calm = 0;
    let last = '';
    while (Date.now() < deadline) {
      const moving = await stillMoving(admin).catch((error: unknown) => `cannot tell: ${String(error)}`);
      if (moving !== last) log.write(`settling: ${moving || 'nothing moves'}`);
      last = moving;
      calm = moving ? 0 : calm + 1;
      if (calm >= 2) return true;
      await sleep(1_000);
    }
    return false;
  } finally {
    await admin.disconnect();
  }
}

async function stillMoving(admin: Admin): Promise<string> {
  const [row] = await query<{ running: string; outboxes: string }>(
    `SELECT (SELECT count(*) FROM ${HOST_SCHEMA}.baton_saga WHERE ended_at IS NULL AND status <> 'stuck') AS running,
            (SELECT count(*) FROM ${HOST_SCHEMA}.baton_outbox WHERE published_at IS NULL)
          + (SELECT count(*) FROM ${PARTICIPANT_SCHEMA}.participant_outbox WHERE published_at IS NULL) AS outboxes`,
  );
  const topics = await admin.listTopics();
  const lag =
    (await groupLag(admin, 'baton-orchestrator', topics.filter((t) => t === 'saga.replies'))) +
    (await groupLag(admin, 'baton-participants', topics.filter((t) => t.endsWith('.commands'))));
  const moving = [
    Number(row.running) && `${row.running} sagas running or compensating`,
    Number(row.outboxes) && `${row.outboxes} messages in the outboxes`,
    lag && `${lag} messages not consumed yet`,
  ].filter(Boolean);
  return moving.join(', ');
}

/** Messages of `topics` the group has not committed: end offset minus committed offset, per partition. */
async function groupLag(admin: Admin, groupId: string, topics: string[]): Promise<number> {
  if (!topics.length) return 0;
  let lag = 0;
  for (const { topic, partitions } of await admin.fetchOffsets({ groupId, topics })) {
    for (const end of await admin.fetchTopicOffsets(topic)) {
      const committed = Number(partitions.find((p) => p.partition === end.partition)?.offset ?? -1);
      lag += Math.max(0, Number(end.high) - (committed >= 0 ? committed : Number(end.low)));
    }
  }
  return lag;
}

type Findings = Record<string, string[]>;

/** How many sagas show each kind of imbalance (a problem without its row ids). */
const unbalancedKinds: Record<string, number> = {};

/** Everything that breaks the guarantee, by kind; each line names the order and the saga. */
async function audit(client: OrderClient, settled: boolean): Promise<Findings> {
  const sagas = await query<SagaRow>(
    `SELECT id, status, ended_at IS NOT NULL AS ended, snapshot->'context'->'order'->>'orderId' AS order_id,
            idempotency_key, snapshot->'context'->'failure' AS failure
       FROM ${HOST_SCHEMA}.baton_saga WHERE name = 'order-fulfillment'`,
  );
  const ledger = (
    await query<{ id: string; participant: string; command_id: string; command_type: string; saga_id: string; order_id: string; outcome: string }>(
      `SELECT id, participant, command_id, command_type, saga_id, order_id, outcome FROM ${PARTICIPANT_SCHEMA}.example_ledger ORDER BY id`,
    )
  ).map(
    (r): LedgerRow => ({
      id: Number(r.id),
      participant: r.participant,
      commandId: r.command_id,
      commandType: r.command_type,
      sagaId: r.saga_id,
      orderId: r.order_id,
      outcome: r.outcome,
    }),
  );
  const ledgerOf = new Map<string, LedgerRow[]>();
  for (const row of ledger) ledgerOf.set(row.sagaId, [...(ledgerOf.get(row.sagaId) ?? []), row]);
  const sagaById = new Map(sagas.map((saga) => [saga.id, saga]));
  const sagasOfOrder = new Map<string, SagaRow[]>();
  for (const saga of sagas) sagasOfOrder.set(saga.order_id, [...(sagasOfOrder.get(saga.order_id) ?? []), saga]);
  const scenarioOf = new Map(client.orders.map((order) => [order.orderId, order.scenario]));
  const name = (saga: SagaRow) => `order ${saga.order_id} (${scenarioOf.get(saga.order_id) ?? 'unknown'}) saga ${saga.id} ${saga.status}`;

  const findings: Findings = {
    'not settled': settled ? [] : ['the sagas and messages did not come to rest by the deadline (see the settling lines in faults.log)'],
    '500 answers': client.badAnswers.filter((a) => a.status >= 500).map((a) => `order ${a.orderId}: ${a.status} at ${log.since(a.at)}: ${a.body}`),
    'other unexpected answers': client.badAnswers.filter((a) => a.status < 500).map((a) => `order ${a.orderId}: ${a.status}: ${a.body}`),
    'never accepted': client.orders.filter((o) => !o.acceptedAt).map((o) => `order ${o.orderId} (${o.scenario}): ${o.gaveUp}, answers ${JSON.stringify(o.answers)}`),
    'stuck or parked': [],
    'not ended': [],
    lost: [],
    'created twice': [],
    'orphan effects': [],
    doubled: [],
    unbalanced: [],
    'unrecognised ledger outcomes': unrecognisedOutcomes(ledger),
    implausible: [],
  };

  for (const order of client.orders) {
    const ids = [...new Set(order.acceptedAs)];
    if (ids.length > 1) findings['created twice'].push(`order ${order.orderId}: its Idempotency-Key was answered with sagas ${ids.join(' and ')}`);
    for (const id of ids) {
      const saga = sagaById.get(id);
      if (!saga) findings.lost.push(`order ${order.orderId} (${order.scenario}) was accepted as saga ${id}, which does not exist`);
      else if (saga.order_id !== order.orderId) findings.lost.push(`order ${order.orderId} was accepted as saga ${id}, which is order ${saga.order_id}`);
    }
  }
  for (const [orderId, same] of sagasOfOrder) {
    if (same.length > 1) findings['created twice'].push(`order ${orderId}: ${same.length} sagas (${same.map((s) => `${s.id} ${s.status}`).join(', ')})`);
    if (!scenarioOf.has(orderId)) findings.lost.push(`saga ${same[0].id} is for order ${orderId}, which the client never placed`);
  }
  for (const [sagaId, rows] of ledgerOf) {
    if (!sagaById.has(sagaId)) findings['orphan effects'].push(`ledger rows for saga ${sagaId}, which does not exist: ${rows.map((r) => r.commandType).join(', ')}`);
  }

  for (const saga of sagas) {
    const rows = ledgerOf.get(saga.id) ?? [];
    const scenario = scenarioOf.get(saga.order_id) as OrderScenario | undefined;
    const ledgerText = rows.map((r) => `#${r.id} ${r.commandType}:${r.outcome}`).join(', ') || 'empty';
    if (saga.status === 'stuck' || saga.status === 'failed') {
      findings['stuck or parked'].push(`${name(saga)}: ${JSON.stringify(saga.failure)}; ledger ${ledgerText}`);
    } else if (!saga.ended) {
      findings['not ended'].push(`${name(saga)}; ledger ${ledgerText}`);
    }
    for (const problem of doubledEffects(rows)) findings.doubled.push(`${name(saga)}: ${problem}`);
    const unbalanced = unbalancedLedger(saga.status, rows);
    for (const kind of new Set(unbalanced.map((problem) => problem.replace(/ \(#\d+\)/g, '').replace(/ on a \w+ order/, '')))) {
      unbalancedKinds[kind] = (unbalancedKinds[kind] ?? 0) + 1;
    }
    if (unbalanced.length) findings.unbalanced.push(`${name(saga)}: ${unbalanced.join('; ')} [ledger ${ledgerText}; failure ${JSON.stringify(saga.failure)}]`);
    if (scenario && saga.ended) {
      for (const problem of implausibleEnding(scenario, saga.status, rows)) findings.implausible.push(`${name(saga)}: ${problem}`);
    }
  }

  await writeOffenders(findings);
  return findings;
}

/**
 * The report: findings.json (every finding), and offenders.txt: the timeline
 * of every offending saga, its history (host) and its ledger (participants).
 */
async function writeOffenders(findings: Findings): Promise<void> {
  mkdirSync(reportDir, { recursive: true });
  writeFileSync(join(reportDir, 'findings.json'), JSON.stringify(findings, null, 2));
  const linesOf = new Map<string, string[]>();
  for (const [finding, list] of Object.entries(findings)) {
    for (const line of list) {
      for (const [, id] of line.matchAll(/saga ([0-9a-f-]{36})/g)) linesOf.set(id, [...(linesOf.get(id) ?? []), `${finding}: ${line}`]);
    }
  }
  const ids = [...linesOf.keys()];
  const history = await query<{ saga_id: string; at: Date; kind: string; event_type: string; status: string; to_state: unknown; commands: any[]; note: string | null }>(
    `SELECT saga_id, at, kind, event_type, status, to_state, commands, note FROM ${HOST_SCHEMA}.baton_saga_history
      WHERE saga_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  const ledger = await query<{ saga_id: string; applied_at: Date; id: string; participant: string; command_type: string; outcome: string; command_id: string }>(
    `SELECT saga_id, applied_at, id, participant, command_type, outcome, command_id FROM ${PARTICIPANT_SCHEMA}.example_ledger
      WHERE saga_id = ANY($1::uuid[]) ORDER BY id`,
    [ids],
  );
  const time = (at: Date) => `${log.since(at.getTime()).padEnd(9)} ${at.toISOString().slice(11, 23)}`;
  const text = ids.map((id) =>
    [
      ...linesOf.get(id)!,
      ...history
        .filter((h) => h.saga_id === id)
        .map(
          (h) =>
            `  host   ${time(h.at)} ${h.kind.padEnd(7)} ${h.event_type.padEnd(44)} → ${h.status.padEnd(12)} ${JSON.stringify(h.to_state)}` +
            `${h.commands.length ? ` sends ${h.commands.map((c) => `${c.type}${c.attempt ? ` (attempt ${c.attempt})` : ''}`).join(', ')}` : ''}${h.note ? ` (${h.note})` : ''}`,
        ),
      ...ledger
        .filter((l) => l.saga_id === id)
        .map((l) => `  ledger ${time(l.applied_at)} #${l.id} ${l.participant} ${l.command_type} → ${l.outcome} (command ${l.command_id})`),
    ].join('\n'),
  );
  writeFileSync(join(reportDir, 'offenders.txt'), text.join('\n\n') + '\n');
}

interface Recovery {
  what: string;
  /** Killed, or stopped. */
  downAt: number;
  /** Spawned again, or started again. */
  backAt: number;
  /** A process answered its readiness check. */
  readyAt?: number;
  /** The first reply the host applied once the victim was back (a history row of kind 'message'). */
  firstReplyAt?: number;
  /** The first effect a participant applied once the victim was back. */
  firstEffectAt?: number;
}

/**
 * For each fault: from the victim going down and from it being back (a
 * process spawned again, the broker or the database started again), to the
 * first reply the host applied and the first effect a participant applied
 * after that. Read from the host's history and the participants' ledger.
 */
async function recoveryTimes(injected: InjectedFault[]): Promise<Recovery[]> {
  const recoveries: Recovery[] = [];
  for (const victim of [host, participants]) {
    for (const start of victim.starts.filter((s) => s.downAt)) {
      recoveries.push({ what: `${victim.name}: ${start.reason}`, downAt: start.downAt!, backAt: start.spawnedAt, readyAt: start.readyAt });
    }
  }
  for (const fault of injected) {
    if (fault.downAt && fault.backAt && !/SIGKILL/.test(fault.name)) recoveries.push({ what: fault.name, downAt: fault.downAt, backAt: fault.backAt });
  }
  for (const recovery of recoveries) {
    const since = new Date(recovery.backAt);
    const [reply] = await query<{ at: Date | null }>(
      `SELECT min(at) AS at FROM ${HOST_SCHEMA}.baton_saga_history WHERE kind = 'message' AND at >= $1`,
      [since],
    );
    const [effect] = await query<{ at: Date | null }>(`SELECT min(applied_at) AS at FROM ${PARTICIPANT_SCHEMA}.example_ledger WHERE applied_at >= $1`, [
      since,
    ]);
    recovery.firstReplyAt = reply.at?.getTime();
    recovery.firstEffectAt = effect.at?.getTime();
  }
  return recoveries.sort((a, b) => a.downAt - b.downAt);
}

/** Messages in the dead-letter topics (a dead letter the database could not record is only there). */
async function deadLetterTopics(): Promise<Record<string, number>> {
  const admin = new Kafka({ clientId: 'baton-fault-test', brokers: [kafka!.brokers], logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const counts: Record<string, number> = {};
    for (const topic of (await admin.listTopics()).filter((t) => t.endsWith('.dlq'))) {
      const n = (await admin.fetchTopicOffsets(topic)).reduce((sum, p) => sum + Number(p.high) - Number(p.low), 0);
      if (n) counts[topic] = n;
    }
    return counts;
  } finally {
    await admin.disconnect();
  }
}

/** The table printed at the end (and written as summary.json). */
async function summarize(client: OrderClient, findings: Findings, recoveries: Recovery[], durationMs: number, setupMs: number): Promise<string> {
  const byStatus = await query<{ scenario_status: string; n: string }>(
    `SELECT status AS scenario_status, count(*) AS n FROM ${HOST_SCHEMA}.baton_saga GROUP BY status ORDER BY status`,
  );
  const sagaStatus = new Map(
    (await query<{ order_id: string; status: string }>(`SELECT snapshot->'context'->'order'->>'orderId' AS order_id, status FROM ${HOST_SCHEMA}.baton_saga`)).map(
      (r) => [r.order_id, r.status],
    ),
  );
  const perScenario: Record<string, Record<string, number>> = {};
  for (const order of client.orders) {
    const status = sagaStatus.get(order.orderId) ?? 'no saga';
    perScenario[order.scenario] ??= {};
    perScenario[order.scenario][status] = (perScenario[order.scenario][status] ?? 0) + 1;
  }
  const answers: Record<string, number> = {};
  for (const order of client.orders) for (const [label, n] of Object.entries(order.answers)) answers[label] = (answers[label] ?? 0) + n;
  const [letters] = await query<{ host: string; participants: string }>(
    `SELECT (SELECT count(*) FROM ${HOST_SCHEMA}.baton_dead_letter) AS host, (SELECT count(*) FROM ${PARTICIPANT_SCHEMA}.participant_dead_letter) AS participants`,
  );
  const dlq = await deadLetterTopics();
  const seconds = (from: number, to?: number) => (to === undefined ? '     -' : `${((to - from) / 1000).toFixed(1).padStart(5)}s`);
  const unplanned = [...host.unplannedExits.map((e) => `host ${e.exit} at ${log.since(e.at)}`), ...participants.unplannedExits.map((e) => `participants ${e.exit} at ${log.since(e.at)}`)];

  const lines = [
    '================ fault test summary ================',
    `sagas started:      ${client.orders.filter((o) => o.acceptedAt).length} of ${ORDERS} orders accepted (client answers: ${JSON.stringify(answers)})`,
    `sagas by status:    ${byStatus.map((r) => `${r.scenario_status} ${r.n}`).join(', ')}`,
    ...Object.entries(perScenario).map(([scenario, counts]) => `  ${scenario.padEnd(18)} ${JSON.stringify(counts)}`),
    `stuck or parked: ${findings['stuck or parked'].length}   not ended: ${findings['not ended'].length}   lost: ${findings.lost.length}   created twice: ${findings['created twice'].length}   orphan effects: ${findings['orphan effects'].length}`,
    `unbalanced: ${findings.unbalanced.length}   doubled: ${findings.doubled.length}   implausible: ${findings.implausible.length}   unrecognised outcomes: ${findings['unrecognised ledger outcomes'].length}`,
    ...Object.entries(unbalancedKinds).map(([kind, n]) => `  ${String(n).padStart(4)} × ${kind}`),
    `500 answers: ${findings['500 answers'].length}   other unexpected answers: ${findings['other unexpected answers'].length}   never accepted: ${findings['never accepted'].length}`,
    `dead letters:       host ${letters.host}, participants ${letters.participants} (rows); topics ${JSON.stringify(dlq)}`,
    `unplanned exits:    ${unplanned.join(', ') || 'none'}`,
    'recovery: down = killed or stopped; back = spawned or started again; reply = the first reply the host applied after that; effect = the first effect a participant applied',
    '  at        down→back  back→ready  back→reply  down→reply  back→effect  what',
    ...recoveries.map(
      (r) =>
        `  ${log.since(r.downAt).padEnd(9)} ${seconds(r.downAt, r.backAt)}     ${seconds(r.backAt, r.readyAt)}      ${seconds(r.backAt, r.firstReplyAt)}      ${seconds(r.downAt, r.firstReplyAt)}      ${seconds(r.backAt, r.firstEffectAt)}       ${r.what}`,
    ),
    `total duration:     ${(durationMs / 1000).toFixed(0)} s from the first order, after ${(setupMs / 1000).toFixed(0)} s of setup (cluster, broker, host, participants; the build is before that)`,
    `report:             ${reportDir}`,
  ];
  writeFileSync(
    join(reportDir, 'summary.json'),
    JSON.stringify(
      {
        orders: ORDERS,
        accepted: client.orders.filter((o) => o.acceptedAt).length,
        answers,
        byStatus,
        perScenario,
        counts: Object.fromEntries(Object.entries(findings).map(([k, v]) => [k, v.length])),
        unbalancedKinds,
        deadLetters: { rows: letters, topics: dlq },
        unplannedExits: unplanned,
        recoveries: recoveries.map((r) => ({
          what: r.what,
          at: log.since(r.downAt),
          downMs: r.backAt - r.downAt,
          backToReadyMs: r.readyAt && r.readyAt - r.backAt,
          backToFirstReplyMs: r.firstReplyAt && r.firstReplyAt - r.backAt,
          downToFirstReplyMs: r.firstReplyAt && r.firstReplyAt - r.downAt,
          backToFirstEffectMs: r.firstEffectAt && r.firstEffectAt - r.backAt,
        })),
        durationMs,
        setupMs,
      },
      null,
      2,
    ),
  );
  return lines.join('\n');
}
