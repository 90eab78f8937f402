#!/usr/bin/env node
// The consumer test (npm run test:consumers): install Baton as a stranger would.
//
// Builds the packages, packs each with `npm pack` (checking that each tarball
// holds what its manifest points at, and loads only modules it declares, and
// warning of what it lacks short of that), then, in a directory of its
// own under the system's temp directory (outside the repository), builds the
// consumer projects of test/consumers from those tarballs alone, each
// installed with `npm install` and type-checked with `tsc` (strict): the
// shared contracts package (built against the installed @baton/core, then
// packed), the participants package (built against contracts and @baton/*,
// then packed: a Nest module of the handlers, and its own service), and the
// orchestrator app (installing both). Then it runs them:
//   (a) the orchestrator alone, in-process transport, with the participants'
//       module from their package, on PGlite;
//   (b) the orchestrator and the participants' service as two processes over
//       Kafka (TEST_KAFKA_BROKERS, default 127.0.0.1:9092), each on its own PGlite.
// Sagas are started over HTTP and polled until they end. The last line is
// "consumers: passed N, failed M"; the exit code is non-zero on any failure.
//
// Environment: TEST_KAFKA_BROKERS (the broker for (b)); KEEP_CONSUMER_TMP=1
// keeps the temp directory (after a failure it is kept without node_modules).
import { spawn } from 'node:child_process';
import console from 'node:console';
import { randomBytes } from 'node:crypto';
import { cpSync, createWriteStream, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, realpathSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, isBuiltin } from 'node:module';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import process from 'node:process';
import { clearTimeout, setTimeout } from 'node:timers';
import { fileURLToPath } from 'node:url';

// Node's own fetch (the repository's lint config declares no Node globals).
const { fetch } = globalThis;

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const sources = join(repo, 'test', 'consumers');
const LIBS = ['core', 'tracing', 'testing', 'postgres', 'kafka', 'nest', 'participant', 'cli', 'console'];
const START_DEADLINE_MS = 90_000;
const SAGA_DEADLINE_MS = 90_000;
const STOP_DEADLINE_MS = 30_000;
const COMMAND_DEADLINE_MS = 10 * 60_000;

const started = Date.now();
const results = { passed: 0, failed: 0 };
const failures = [];
/** Every child process still running, so each exit path can stop it. */
const children = new Set();
let work;

const seconds = (ms) => `${(ms / 1000).toFixed(1)} s`;
const log = (line) => console.log(`consumers: ${line}`);

function pass(name, since) {
  results.passed++;
  log(`ok   ${name}${since === undefined ? '' : ` (${seconds(Date.now() - since)})`}`);
}

function fail(name, error) {
  results.failed++;
  const message = error instanceof Error ? error.message : String(error);
  failures.push(`${name}: ${message}`);
  log(`FAIL ${name}\n${indent(message)}`);
}

const indent = (text) =>
  text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');

/** Runs one named check; its failure is counted, and thrown on when `fatal` (what follows needs it). */
async function check(name, fn, { fatal = false } = {}) {
  const since = Date.now();
  try {
    const value = await fn();
    pass(name, since);
    return value;
  } catch (error) {
    fail(name, error);
    if (fatal) throw new Fatal(name);
    return undefined;
  }
}

class Fatal extends Error {}

/**
 * The environment of a child process: without the variables `npm run` sets
 * for this script (npm_config_local_prefix, npm_package_*, INIT_CWD name the
 * repository), so an npm or app started in the temp directory knows nothing
 * of the workspace. The user's npm cache, registry and config file stay.
 */
function childEnv(extra = {}) {
  const keep = new Set(['npm_config_cache', 'npm_config_registry', 'npm_config_userconfig']);
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !(/^npm_/i.test(key) && !keep.has(key.toLowerCase())) && key !== 'INIT_CWD'),
  );
  return { ...env, ...extra };
}

/** Runs a command to completion; rejects with its output's tail when it fails. */
function run(command, args, { cwd, env = childEnv(), quiet = true } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let output = '';
    const collect = (chunk) => {
      output += chunk;
      if (!quiet) process.stdout.write(chunk);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    const timer = setTimeout(() => child.kill('SIGKILL'), COMMAND_DEADLINE_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      children.delete(child);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolvePromise(output);
      else reject(new Error(`${command} ${args.join(' ')} (in ${cwd}) ${signal ? `was killed by ${signal}` : `exited with ${code}`}:\n${tail(output, 60)}`));
    });
  });
}

const tail = (text, lines) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** A long-running app: its output goes to a log file; `exited` settles when it stops. */
function startApp(name, args, { cwd, env }) {
  const logFile = join(work, 'logs', `${name}.log`);
  const out = createWriteStream(logFile);
  const child = spawn(process.execPath, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.stdout.pipe(out, { end: false });
  child.stderr.pipe(out, { end: false });
  const exited = new Promise((resolvePromise) =>
    child.on('close', (code, signal) => {
      children.delete(child);
      out.end();
      resolvePromise({ code, signal });
    }),
  );
  let state = 'running';
  exited.then(() => (state = 'exited'));
  return {
    name,
    child,
    logFile,
    exited,
    get running() {
      return state === 'running';
    },
    /** The first error line of its output, e.g. "Error: Cannot find module 'pg'". */
    firstError: () => (existsSync(logFile) ? (/^.*\b(?:[A-Z]\w*)?Error\b: .*$/m.exec(readFileSync(logFile, 'utf8'))?.[0].trim().slice(0, 300) ?? '') : ''),
    logTail: (lines = 25) => (existsSync(logFile) ? tail(readFileSync(logFile, 'utf8'), lines) : ''),
  };
}

/**
 * Checks that the app stops on SIGTERM: it exits within the deadline, by
 * the signal or with code 0 (SIGKILL and a failure otherwise). An app that
 * already died is not checked again: the check that saw it die said so.
 */
async function checkStops(name, app) {
  if (!app.running) {
    const { code, signal } = await app.exited;
    log(`${name}: not checked, ${app.name} had already exited (${signal ?? `code ${code}`})`);
    return;
  }
  await check(name, () => stopApp(app));
}

async function stopApp(app) {
  app.child.kill('SIGTERM');
  const outcome = await Promise.race([app.exited, delay(STOP_DEADLINE_MS).then(() => undefined)]);
  if (!outcome) {
    app.child.kill('SIGKILL');
    await app.exited;
    throw new Error(`${app.name} did not exit within ${seconds(STOP_DEADLINE_MS)} of SIGTERM:\n${app.logTail()}`);
  }
  if (!(outcome.code === 0 || outcome.signal === 'SIGTERM')) {
    throw new Error(`${app.name} ended with ${outcome.signal ?? `code ${outcome.code}`} after SIGTERM:\n${app.logTail()}`);
  }
}

const delay = (ms) => new Promise((resolvePromise) => setTimeout(resolvePromise, ms));

/**
 * Polls `probe` until it returns a value other than undefined, or the
 * deadline passes (then throws with `describe()`), or `alive()` says the
 * process it waits on has died.
 */
async function waitFor(what, probe, { deadlineMs, alive = () => true, describe = () => '', died = () => '' }) {
  const deadline = Date.now() + deadlineMs;
  let lastError;
  for (let pause = 100; ; pause = Math.min(pause * 2, 1000)) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error;
    }
    if (!alive()) throw new Error(`${what}: the process died first${died() ? ` (${died()})` : ''}\n${await describe()}`);
    if (Date.now() > deadline) {
      throw new Error(`${what}: not within ${seconds(deadlineMs)}${lastError ? ` (last error: ${lastError.message})` : ''}\n${await describe()}`);
    }
    await delay(pause);
  }
}

function freePort() {
  return new Promise((resolvePromise, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePromise(port));
    });
  });
}

function brokerAnswers(broker) {
  const [host, port] = [broker.slice(0, broker.lastIndexOf(':')), Number(broker.slice(broker.lastIndexOf(':') + 1))];
  return new Promise((resolvePromise) => {
    const socket = createConnection({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolvePromise(ok);
    };
    socket.setTimeout(3000, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const writeJson = (file, value) => writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);

/**
 * Stands the tarballs in for the registry: the checked-in package.json names
 * registry versions (what a user of the published packages writes); the
 * copy's direct dependencies on the packages under test point at their
 * tarballs, as `npm install ./x.tgz` would write them, and `overrides` does
 * the same for the ones it does not list but gets through them (@baton/nest's
 * @baton/postgres, say), which are on no registry. A package it lists is not
 * overridden: the others' dependencies and peers on it take its copy, and an
 * overridden peer makes npm resolve that peer's own peers apart, where their
 * optional peers conflict (ERESOLVE over ioredis, which @nestjs/core's
 * optional @nestjs/microservices and typeorm name; cf. npm/cli#8470). Peer
 * dependencies keep their ranges: they are what the package asks of its users.
 */
function useTarballs(dir, tarballs) {
  const file = join(dir, 'package.json');
  const manifest = readJson(file);
  const listed = new Set();
  for (const field of ['dependencies', 'devDependencies']) {
    for (const name of Object.keys(manifest[field] ?? {})) {
      if (tarballs[name]) {
        manifest[field][name] = `file:${tarballs[name]}`;
        listed.add(name);
      } else if (name.startsWith('@baton/') || name.startsWith('@acme/')) throw new Error(`${file}: no tarball for ${name}`);
    }
  }
  const transitive = Object.entries(tarballs).filter(([name]) => !listed.has(name));
  manifest.overrides = { ...manifest.overrides, ...Object.fromEntries(transitive.map(([name, path]) => [name, `file:${path}`])) };
  writeJson(file, manifest);
}

function copyProject(name) {
  const to = join(work, name);
  cpSync(join(sources, name), to, {
    recursive: true,
    filter: (path) => !/(^|\/)(node_modules|dist)(\/|$)/.test(relative(sources, path)),
  });
  return to;
}

function filesUnder(dir) {
  return readdirSync(dir).flatMap((entry) => {
    const path = join(dir, entry);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Nothing the user writes (manifest, lock, tsconfig, sources) may point into the workspace. */
function assertNoWorkspacePaths(dir) {
  const problems = [];
  const userFiles = ['package.json', 'tsconfig.json', ...filesUnder(join(dir, 'src')).map((path) => relative(dir, path))];
  for (const file of [...userFiles, 'package-lock.json']) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const text = readFileSync(path, 'utf8');
    if (text.includes(repo)) problems.push(`${file} names the repository (${repo})`);
    if (userFiles.includes(file) && /\blibs\//.test(text)) problems.push(`${file} mentions libs/`);
    if (/"workspace:/.test(text)) problems.push(`${file} has a workspace: dependency`);
    for (const [, spec] of text.matchAll(/"(?:file|link):([^"]+)"/g)) {
      if (!relative(repo, resolve(dir, spec)).startsWith('..')) problems.push(`${file} points into the repository: ${spec}`);
    }
  }
  // What npm installed: real copies from the tarballs, not links into the repository.
  for (const name of readdirSync(join(dir, 'node_modules', '@baton'))) {
    const path = join(dir, 'node_modules', '@baton', name);
    if (lstatSync(path).isSymbolicLink() || !relative(repo, realpathSync(path)).startsWith('..')) {
      problems.push(`node_modules/@baton/${name} is a link to ${realpathSync(path)}`);
    }
  }
  if (problems.length) throw new Error(problems.join('\n'));
}

/**
 * npm install, then the project's own build (its tsconfig: strict, and
 * skipLibCheck as a NestJS app has it), which must pass without an error.
 * Then once more with skipLibCheck off: an error in a declaration file of
 * the packages under test (@baton/*, @acme/*) fails the check; errors in
 * other libraries' declarations (PGlite's need the DOM and Emscripten
 * types) are not theirs to fix and are only counted.
 */
async function installAndTypecheck(dir) {
  await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir });
  await run('npx', ['--no', '--', 'tsc', '-p', '.'], { cwd: dir });
  let output = '';
  try {
    output = await run('npx', ['--no', '--', 'tsc', '-p', '.', '--noEmit', '--skipLibCheck', 'false', '--pretty', 'false'], { cwd: dir });
  } catch (error) {
    output = error.message;
  }
  const errors = output.split('\n').filter((line) => /: error TS\d+:/.test(line));
  const ours = errors.filter((line) => /^node_modules\/@(baton|acme)\//.test(line) || !line.startsWith('node_modules/'));
  if (ours.length) throw new Error(`with skipLibCheck off, the declarations of the packages under test do not compile:\n${ours.join('\n')}`);
  if (errors.length) log(`     (with skipLibCheck off: ${errors.length} errors in other libraries' declarations, in ${[...new Set(errors.map((line) => line.split('/')[1] + (line.split('/')[1].startsWith('@') ? '/' + line.split('/')[2] : '')))].join(', ')})`);
}

/** The tarball files of `npm pack --json` for one package, checked for what its manifest points at. */
function packedFilesProblems(packed, manifest) {
  const files = new Set(packed.files.map((file) => file.path));
  const wanted = [manifest.main, manifest.types, ...Object.values(manifest.exports ?? {}).flatMap((entry) => (typeof entry === 'string' ? [entry] : Object.values(entry)))]
    .filter(Boolean)
    .map((path) => path.replace(/^\.\//, ''));
  return [...new Set(wanted)].filter((path) => !files.has(path)).map((path) => `${manifest.name}: ${path} is not in the tarball`);
}

/**
 * What a user of the package would miss, short of a failure: a `files`
 * entry that matched nothing, and source maps (and declaration maps) that
 * point at sources the tarball neither ships nor carries in the map.
 */
function packedFilesWarnings(packed, packageDir) {
  const files = new Set(packed.files.map((file) => file.path));
  const manifest = readJson(join(packageDir, 'package.json'));
  const warnings = (manifest.files ?? [])
    .filter((entry) => !entry.startsWith('!') && !/[*?]/.test(entry))
    .filter((entry) => ![...files].some((path) => path === entry || path.startsWith(`${entry}/`)))
    .map((entry) => `${manifest.name}: "files" names ${entry}, which is not there, so the tarball has none`);
  const missing = new Set();
  let maps = 0;
  for (const path of [...files].filter((file) => file.endsWith('.map'))) {
    const { sources = [], sourcesContent = [] } = readJson(join(packageDir, path));
    // A map that carries its sources (inlineSources) needs none in the tarball.
    const absent = sources
      .filter((_, index) => typeof sourcesContent[index] !== 'string')
      .map((source) => join(dirname(path), source))
      .filter((source) => !files.has(source));
    if (absent.length) maps++;
    absent.forEach((source) => missing.add(source));
  }
  if (maps) {
    warnings.push(`${manifest.name}: ${maps} of its source and declaration maps point at sources it does not ship (${missing.size} files, e.g. ${[...missing][0]})`);
  }
  return warnings;
}

/**
 * The modules a packed package loads, or names in its declarations, that
 * its manifest declares neither as a dependency nor as a peer: at run time
 * such a module is there only by luck of hoisting (a problem); in a
 * declaration file, only if the user installs its types (a warning). And
 * the optional peers it loads as soon as it is loaded (a problem: optional
 * means an app may leave them out).
 */
function undeclaredImports(packed, packageDir) {
  const manifest = readJson(join(packageDir, 'package.json'));
  const declared = new Set([manifest.name, ...Object.keys(manifest.dependencies ?? {}), ...Object.keys(manifest.peerDependencies ?? {})]);
  const optional = new Set(Object.entries(manifest.peerDependenciesMeta ?? {}).filter(([, meta]) => meta.optional).map(([name]) => name));
  const found = { runtime: new Map(), types: new Map() };
  const eager = [];
  for (const { path } of packed.files) {
    const kind = path.endsWith('.d.ts') ? 'types' : path.endsWith('.js') ? 'runtime' : undefined;
    if (!kind) continue;
    const text = readFileSync(join(packageDir, path), 'utf8');
    // tsc's CommonJS output: a require at the top level runs when the module loads (the index loads them all).
    if (kind === 'runtime') {
      for (const [, name] of text.matchAll(/^(?:const|var|let) \w+ = (?:__\w+\()?require\("([^"]+)"\)/gm)) {
        if (optional.has(name)) eager.push(`${manifest.name}: ${path} loads its optional peer ${name} as it loads, so an app without ${name} fails at start`);
      }
    }
    // require("x") and import("x") anywhere; `from "x"` only in an import or export statement (not in a string that says "from").
    for (const [, specifier] of text.matchAll(/(?:\brequire\(|\bimport\(|^\s*(?:import|export)\b[^;'"]*\bfrom )\s*["']([^"'.][^"']*)["']/gm)) {
      if (specifier.startsWith('node:') || isBuiltin(specifier)) continue;
      const name = specifier.split('/').slice(0, specifier.startsWith('@') ? 2 : 1).join('/');
      if (declared.has(name)) continue;
      if (!found[kind].has(name)) found[kind].set(name, []);
      found[kind].get(name).push(path);
    }
  }
  const describe = ([name, paths]) => `${manifest.name}: ${name} is declared neither as a dependency nor as a peer, but ${paths[0]}${paths.length > 1 ? ` (and ${paths.length - 1} more)` : ''} imports it`;
  return { problems: [...found.runtime].map(describe).concat(eager), warnings: [...found.types].map(describe) };
}

async function pack(args, cwd, destination) {
  const output = await run('npm', ['pack', ...args, '--pack-destination', destination, '--json'], { cwd });
  return JSON.parse(output.slice(output.indexOf('[')));
}

/**
 * Builds a package of test/consumers as its team would: copied out, installed
 * from the tarballs, compiled by its own tsc, then packed with its checked-in
 * manifest (its devDependencies' tarball paths are no business of its users),
 * checked for what the manifest points at and for modules it loads but does
 * not declare. Adds its tarball to `tarballs`; returns its directory.
 */
async function buildAndPack(name, tarballs) {
  const dir = copyProject(name);
  const manifest = readFileSync(join(dir, 'package.json'), 'utf8');
  useTarballs(dir, tarballs);
  await installAndTypecheck(dir);
  writeFileSync(join(dir, 'package.json'), manifest);
  const [packed] = await pack([], dir, join(work, 'tarballs'));
  const imports = undeclaredImports(packed, dir);
  for (const warning of imports.warnings) log(`warn ${warning}`);
  const problems = [...packedFilesProblems(packed, JSON.parse(manifest)), ...imports.problems];
  if (problems.length) throw new Error(problems.join('\n'));
  tarballs[packed.name] = join(work, 'tarballs', packed.filename);
  return dir;
}

// --- the apps over HTTP ---------------------------------------------------------------

class Api {
  constructor(port, apiKey) {
    this.base = `http://127.0.0.1:${port}`;
    this.apiKey = apiKey;
  }

  async start(saga, input) {
    const response = await fetch(`${this.base}/sagas/${saga}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.apiKey}`, 'content-type': 'application/json', 'idempotency-key': `${saga}-${input.orderId}` },
      body: JSON.stringify(input),
    });
    const body = await response.text();
    if (response.status !== 202) throw new Error(`POST /sagas/${saga} answered ${response.status}: ${body}`);
    return JSON.parse(body).id;
  }

  async get(path) {
    const response = await fetch(`${this.base}${path}`, { headers: { authorization: `Bearer ${this.apiKey}` } });
    const body = await response.text();
    if (response.status !== 200) throw new Error(`GET ${path} answered ${response.status}: ${body}`);
    return JSON.parse(body);
  }
}

const ENDED = new Set(['completed', 'compensated', 'failed', 'aborted']);

/** The purchases each mode runs, and what each must end as. */
function scenarios(run) {
  const order = (n, overrides = {}) => ({
    orderId: `${run}-${n}`,
    eventId: 'ev-opera-2026',
    seats: 1 + (n % 3),
    amountCents: 4200 * (1 + (n % 3)),
    cardToken: 'tok_visa',
    ...overrides,
  });
  const completed = (input) => (saga) => {
    const { output } = saga;
    if (saga.status !== 'completed') return `status ${saga.status}, expected completed`;
    if (!output?.chargeId?.startsWith('ch-')) return `output.chargeId is ${JSON.stringify(output?.chargeId)}`;
    if (output.ticketIds?.length !== input.seats) return `output.ticketIds ${JSON.stringify(output.ticketIds)}: expected ${input.seats}`;
    return undefined;
  };
  const compensated = (step, refunded) => (saga, history) => {
    if (saga.status !== 'compensated') return `status ${saga.status}, expected compensated`;
    if (saga.output?.failure?.step !== step) return `output.failure ${JSON.stringify(saga.output?.failure)}: expected step ${step}`;
    const refunds = history.filter((entry) => entry.event === 'ChargeRefunded').length;
    if (refunds !== (refunded ? 1 : 0)) return `history has ${refunds} ChargeRefunded: expected ${refunded ? 1 : 0}`;
    return undefined;
  };
  const inputs = [order(1), order(2), order(3)];
  return [
    ...inputs.map((input) => ({ name: `order ${input.orderId} completes`, input, expect: completed(input) })),
    { name: 'a sold-out event refunds the charge and compensates', input: order(4, { eventId: 'SOLD-OUT-gala' }), expect: compensated('issueTickets', true) },
    { name: 'a declined card compensates with nothing to refund', input: order(5, { cardToken: 'tok_declined' }), expect: compensated('chargeCard', false) },
  ];
}

/** Starts every scenario's saga, then polls each until it ends, and checks how. */
async function runSagas(mode, api, alive, describe) {
  const runId = randomBytes(3).toString('hex');
  const started = [];
  for (const scenario of scenarios(`${mode}-${runId}`)) {
    try {
      started.push({ scenario, id: await api.start('ticket-purchase', scenario.input), since: Date.now() });
    } catch (error) {
      fail(`${mode}: ${scenario.name}`, error);
    }
  }
  await Promise.all(
    started.map(async ({ scenario, id, since }) => {
      try {
        const saga = await waitFor(
          `saga ${id} (${scenario.input.orderId}) to end`,
          async () => {
            const view = await api.get(`/sagas/${id}`);
            return ENDED.has(view.status) ? view : undefined;
          },
          { deadlineMs: SAGA_DEADLINE_MS, alive, describe: async () => `${JSON.stringify(await api.get(`/sagas/${id}`).catch(() => 'unknown'))}\n${describe()}` },
        );
        const history = await api.get(`/sagas/${id}/history`);
        const problem = scenario.expect(saga, history.items);
        if (problem) throw new Error(`saga ${id}: ${problem}\n${JSON.stringify(saga, null, 2)}`);
        pass(`${mode}: ${scenario.name} (saga ${id})`, since);
      } catch (error) {
        fail(`${mode}: ${scenario.name}`, error);
      }
    }),
  );
}

async function waitUntilServing(app, api) {
  await waitFor(`${app.name} to answer GET /health/live`, async () => ((await fetch(`${api.base}/health/live`)).ok ? true : undefined), {
    deadlineMs: START_DEADLINE_MS,
    alive: () => app.running,
    died: () => app.firstError(),
    describe: () => app.logTail(),
  });
}

/** Deletes the run's topics, with the kafkajs the orchestrator app installed; a failure is only logged. */
async function deleteTopics(appDir, broker, prefix) {
  const { Kafka, logLevel } = createRequire(join(appDir, 'package.json'))('kafkajs');
  const admin = new Kafka({ clientId: 'consumer-test', brokers: broker.split(','), logLevel: logLevel.NOTHING }).admin();
  try {
    await admin.connect();
    const topics = (await admin.listTopics()).filter((topic) => topic.startsWith(prefix));
    if (topics.length) await admin.deleteTopics({ topics });
    log(`kafka: deleted the run's ${topics.length} topics`);
  } catch (error) {
    log(`kafka: could not delete the topics ${prefix}*: ${error.message}`);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

// --- the run ----------------------------------------------------------------------

async function main() {
  work = mkdtempSync(join(tmpdir(), 'baton-consumers-'));
  mkdirSync(join(work, 'logs'));
  mkdirSync(join(work, 'tarballs'));
  log(`working in ${work}`);
  const tarballs = {};
  const packs = {};

  await check('npm run build:packages', () => run('npm', ['run', 'build:packages'], { cwd: repo, env: process.env }), { fatal: true });

  await check(
    `npm pack ${LIBS.map((lib) => `@baton/${lib}`).join(', ')}`,
    async () => {
      const problems = [];
      for (const lib of LIBS) {
        const [packed] = await pack(['--workspace', `libs/${lib}`], repo, join(work, 'tarballs'));
        tarballs[packed.name] = join(work, 'tarballs', packed.filename);
        problems.push(...packedFilesProblems(packed, readJson(join(repo, 'libs', lib, 'package.json'))));
        packs[lib] = packed;
        for (const warning of packedFilesWarnings(packed, join(repo, 'libs', lib))) log(`warn ${warning}`);
      }
      if (problems.length) throw new Error(problems.join('\n'));
    },
    { fatal: true },
  );

  // Not fatal: the apps' runs show what such a problem does.
  await check('the packages load only what they declare, and no optional peer as they load', () => {
    const problems = [];
    for (const lib of LIBS) {
      const imports = undeclaredImports(packs[lib], join(repo, 'libs', lib));
      problems.push(...imports.problems);
      for (const warning of imports.warnings) log(`warn ${warning}`);
    }
    if (problems.length) throw new Error(problems.join('\n'));
  });

  // The packages of test/consumers, each built by its own tsc against the tarballs before it, then packed:
  // the contracts (against @baton/core), then the participants (against the contracts and @baton/*), whose
  // project, built and installed, is also the participants' service that (b) runs over Kafka.
  await check('contracts: install @baton/core from its tarball, tsc (strict), npm pack', () => buildAndPack('contracts', tarballs), { fatal: true });
  const apps = {};
  await check(
    'participant: install contracts and @baton/* from their tarballs, tsc (strict), npm pack',
    async () => (apps.participant = await buildAndPack('participant', tarballs)),
    { fatal: true },
  );
  await check('participant: nothing refers to the workspace by path', () => assertNoWorkspacePaths(apps.participant));

  await check('orchestrator: npm install from the tarballs, tsc (strict)', async () => {
    const dir = copyProject('orchestrator');
    useTarballs(dir, tarballs);
    await installAndTypecheck(dir);
    apps.orchestrator = dir;
  });
  if (!apps.orchestrator) throw new Fatal('the orchestrator did not build');
  await check('orchestrator: nothing refers to the workspace by path', () => assertNoWorkspacePaths(apps.orchestrator));
  // The baton command from its tarball, on the app's own TypeScript saga (loaded through tsx).
  await check('orchestrator: npx baton lint passes on its saga', async () => {
    const output = await run('npx', ['baton', 'lint', 'src/ticket-purchase.saga.ts'], { cwd: apps.orchestrator });
    if (!output.includes('1 saga checked (ticket-purchase@1): 0 errors')) throw new Error(`unexpected output:\n${output}`);
  });
  await check('orchestrator: npx baton graph draws its saga as SVG', async () => {
    const file = join(work, 'ticket-purchase.svg');
    await run('npx', ['baton', 'graph', 'ticket-purchase', 'src/ticket-purchase.saga.ts', '--out', file], { cwd: apps.orchestrator });
    if (!readFileSync(file, 'utf8').includes('<svg')) throw new Error(`${file} holds no SVG`);
  });

  // (a) In process: the orchestrator with the participants' module from their package, one process, PGlite.
  const apiKey = randomBytes(16).toString('hex');
  await (async () => {
    const port = await freePort();
    const api = new Api(port, apiKey);
    const app = startApp('in-process-orchestrator', ['dist/main.js'], {
      cwd: apps.orchestrator,
      env: childEnv({ PORT: String(port), PGLITE_DATA_DIR: join(work, 'in-process-pglite'), API_KEY: apiKey }),
    });
    try {
      log(`in-process: orchestrator on port ${port} (log ${app.logFile})`);
      const serving = await check('in-process: the orchestrator starts and serves HTTP', () => waitUntilServing(app, api).then(() => true));
      if (serving) await runSagas('in-process', api, () => app.running, () => app.logTail());
    } finally {
      await checkStops('in-process: the orchestrator stops on SIGTERM', app);
    }
  })();

  // (b) Kafka: the orchestrator and the participants' service as two processes, each on its own PGlite.
  const broker = process.env.TEST_KAFKA_BROKERS || '127.0.0.1:9092';
  const reachable = await check(`kafka: a broker answers at ${broker}`, async () => {
    if (!(await brokerAnswers(broker.split(',')[0]))) {
      throw new Error(`nothing answers at ${broker}: set TEST_KAFKA_BROKERS, or start one with npm run kafka:start`);
    }
    return true;
  });
  if (reachable) {
    const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
    const prefix = `consumer-${runId}.`;
    const port = await freePort();
    const api = new Api(port, apiKey);
    const kafkaEnv = { KAFKA_BROKERS: broker, TOPIC_PREFIX: prefix };
    log(`kafka: broker ${broker}, topic prefix ${prefix}, orchestrator on port ${port}`);
    const participant = startApp('kafka-participant', ['dist/main.js'], {
      cwd: apps.participant,
      env: childEnv({ ...kafkaEnv, KAFKA_GROUP_ID: `consumer-${runId}-participants`, PGLITE_DATA_DIR: join(work, 'kafka-participant-pglite') }),
    });
    const orchestrator = startApp('kafka-orchestrator', ['dist/main.js'], {
      cwd: apps.orchestrator,
      env: childEnv({
        ...kafkaEnv,
        KAFKA_GROUP_ID: `consumer-${runId}-orchestrator`,
        PORT: String(port),
        PGLITE_DATA_DIR: join(work, 'kafka-orchestrator-pglite'),
        API_KEY: apiKey,
      }),
    });
    const both = () => participant.running && orchestrator.running;
    const logs = () => `--- ${orchestrator.name}:\n${orchestrator.logTail(30)}\n--- ${participant.name}:\n${participant.logTail(30)}`;
    try {
      const ready = await check('kafka: the participant app starts', () =>
        waitFor('the participant app to say it runs', () => (/participants running/.test(participant.logTail(200)) ? true : undefined), {
          deadlineMs: START_DEADLINE_MS,
          alive: () => participant.running,
          died: () => participant.firstError(),
          describe: logs,
        }),
      );
      const serving = await check('kafka: the orchestrator starts and serves HTTP', () => waitUntilServing(orchestrator, api).then(() => true));
      if (ready && serving) await runSagas('kafka', api, both, logs);
    } finally {
      await checkStops('kafka: the orchestrator stops on SIGTERM', orchestrator);
      await checkStops('kafka: the participant app stops on SIGTERM', participant);
      await deleteTopics(apps.orchestrator, broker, prefix);
    }
  }
}

function killChildren() {
  for (const child of children) child.kill('SIGKILL');
}

process.on('exit', killChildren);
for (const signal of ['SIGINT', 'SIGTERM']) {
  process.on(signal, () => {
    log(`${signal}: stopping`);
    killChildren();
    process.exit(130);
  });
}

let crashed = false;
try {
  await main();
} catch (error) {
  if (!(error instanceof Fatal)) {
    crashed = true;
    fail('consumer test', error);
  } else {
    log(`stopped: ${error.message} failed, and what follows needs it`);
  }
}
killChildren();
log(`took ${seconds(Date.now() - started)}`);
const failed = results.failed > 0 || crashed;
if (work) {
  if (process.env.KEEP_CONSUMER_TMP === '1') {
    log(`kept ${work} (logs in ${join(work, 'logs')})`);
  } else if (failed) {
    // The logs, tarballs, projects and their lock files stay for a look; the installed modules (300 MB) go.
    for (const project of ['contracts', 'orchestrator', 'participant']) rmSync(join(work, project, 'node_modules'), { recursive: true, force: true });
    log(`kept ${work} without its node_modules (logs in ${join(work, 'logs')}; KEEP_CONSUMER_TMP=1 keeps everything)`);
  } else {
    rmSync(work, { recursive: true, force: true });
  }
}
if (failures.length) log(`failures:\n${failures.map((failure) => `  - ${failure.split('\n')[0]}`).join('\n')}`);
console.log(`consumers: passed ${results.passed}, failed ${results.failed}`);
process.exitCode = failed ? 1 : 0;
