import { command, defineSaga, event, readSagaChart, sagaStep, sendCommand, SagaTags } from '@baton/core';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { instance } from '@viz-js/viz';
import { not, setup } from 'xstate';
import { z } from 'zod';
import { sagaGraph } from './saga-graph';

const order = createOrderFulfillmentSaga();

/**
 * The problems that keep `xml` from being well-formed XML: tags that do not
 * nest, a stray `<` or `&`, an unknown entity, not one root element. Enough
 * to check Graphviz's SVG without an XML parser.
 */
function xmlProblems(xml: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let roots = 0;
  const checkText = (text: string) => {
    if (text.includes('<')) problems.push(`stray < in ${JSON.stringify(text.slice(0, 40))}`);
    for (const entity of text.match(/&[^;\s]*;?/g) ?? []) {
      if (!/^&(amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);$/.test(entity)) problems.push(`bad entity ${entity}`);
    }
  };
  const token = /<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>|<\/?([A-Za-z_][\w:.-]*)((?:\s+[\w:.-]+\s*=\s*(?:"[^"]*"|'[^']*'))*)\s*(\/?)>/g;
  let last = 0;
  for (let match = token.exec(xml); match; match = token.exec(xml)) {
    checkText(xml.slice(last, match.index));
    last = token.lastIndex;
    const [whole, name, attributes, selfClosing] = match;
    if (!name) continue;
    for (const value of (attributes ?? '').match(/"[^"]*"|'[^']*'/g) ?? []) checkText(value.slice(1, -1));
    if (whole.startsWith('</')) {
      if (open.pop() !== name) problems.push(`</${name}> closes nothing open`);
    } else {
      if (!open.length) roots++;
      if (!selfClosing) open.push(name);
    }
  }
  checkText(xml.slice(last));
  if (open.length) problems.push(`unclosed ${open.join(', ')}`);
  if (roots !== 1) problems.push(`${roots} root elements`);
  return problems;
}
const ID = 'order-fulfillment';

/** The DOT line of the edge `from` → `to` (ids without the saga's prefix), or undefined. */
const dotEdges = (dot: string, from: string, to: string) =>
  dot.split('\n').filter((line) => line.trim().startsWith(`"${ID}.${from}" -> "${ID}.${to}"`));

/**
 * A tiny saga with what the order saga does not have: an `after` of a
 * number, `always` with XState's `not`, an inline guard, a step sent by a
 * named action, a fire-and-forget command, transitions that only run
 * actions, the machine's own transitions (taken in any state), and no
 * compensation() (its step's undo has nowhere to run).
 */
function tinySaga() {
  const Ping = command('Ping', { participant: 'pinger', schema: z.object({ n: z.number() }) });
  const Unping = command('Unping', { participant: 'pinger', schema: z.object({ n: z.number() }) });
  const Hello = command('Hello', { participant: 'greeter', schema: z.object({ to: z.string() }) });
  const Ponged = event('Ponged', { schema: z.object({}) });
  const Unpinged = event('Unpinged', { schema: z.object({}) });
  const Poke = event('Poke', { schema: z.object({}) });
  const Stop = event('Stop', { schema: z.object({}) });
  const Log = event('Log', { schema: z.object({}) });
  const ping = sagaStep<{ n: number }, typeof Ping, typeof Unping>({
    name: 'ping',
    command: Ping,
    payload: ({ context }) => ({ n: context.n }),
    completedBy: [Ponged],
    compensation: { command: Unping, payload: ({ command: sent }) => ({ n: sent.n }), confirmedBy: Unpinged },
  });
  const machine = setup({
    types: { context: {} as { n: number }, events: {} as { type: string } },
    actions: { sendPing: ping.send },
    guards: { isZero: ({ context }) => context.n === 0 },
  }).createMachine({
    id: 'tiny',
    context: { n: 1 },
    initial: 'checking',
    on: { Stop: '.greeted', Log: { actions: () => undefined } },
    states: {
      checking: { always: [{ guard: not('isZero'), target: 'pinging' }, { target: 'greeted' }] },
      pinging: {
        entry: 'sendPing',
        on: { Ponged: { guard: ({ context }) => context.n > 0, target: 'greeted' }, Poke: { actions: () => undefined } },
        after: { 5000: 'greeted' },
      },
      greeted: { type: 'final', entry: sendCommand<{ n: number }, typeof Hello>(Hello, ({ context }) => ({ to: `n${context.n}` })), tags: [SagaTags.failed] },
    },
  });
  return defineSaga({
    name: 'tiny',
    version: 3,
    input: z.object({}),
    commands: [Ping, Unping, Hello],
    events: [Ponged, Unpinged, Poke, Stop, Log],
    steps: [ping],
    machine,
  });
}

describe('baton graph: a saga as data', () => {
  it('reads every transition of the order saga with its event, guard and delay by name', () => {
    const chart = readSagaChart(order);
    const short = (id: string) => id.slice(ID.length + 1);
    expect(chart.transitions.map((t) => `${short(t.source)} -> ${t.targets.map(short).join(',') || '(stays)'}: ${t.label}`)).toEqual([
      'securing -> (stays): AbortRequested',
      'securing -> compensating: onDone [somethingFailed]',
      'securing -> shipping: onDone [else]',
      'securing.stock.reserving -> securing.stock.reserved: StockReserved',
      'securing.stock.reserving -> securing.stock.refused: StockRefused',
      'securing.stock.reserving -> securing.stock.refused: StepFailed [reserveStock failed]',
      'securing.payment.authorizing -> securing.payment.authorized: PaymentAuthorized',
      'securing.payment.authorizing -> securing.payment.refused: PaymentRefused',
      'securing.payment.authorizing -> securing.payment.refused: StepFailed [authorizePayment failed]',
      'securing.payment.authorizing -> securing.payment.timedOut: after paymentTimeout (30 s)',
      'shipping -> completed: ShipmentScheduled',
      'shipping -> compensating: ShipmentRefused',
      'shipping -> compensating: StepFailed [scheduleShipment failed]',
      'compensating -> aborted: onDone [aborted]',
      'compensating -> compensated: onDone [else]',
      'compensating.undoing -> compensating.undone: CompensationsCompleted',
    ]);
  });

  it('knows what each state sends, which state runs compensation(), and what undoes each step', () => {
    const chart = readSagaChart(order);
    const sends = chart.states.filter((s) => s.sends.length).map((s) => [s.key, s.sends.map((sent) => sent.command)]);
    expect(sends).toEqual([
      ['reserving', ['ReserveStock']],
      ['authorizing', ['AuthorizePayment']],
      ['shipping', ['ScheduleShipment']],
      ['completed', ['NotifyCustomer']],
    ]);
    expect(chart.states.filter((s) => s.compensates).map((s) => s.id)).toEqual([`${ID}.compensating.undoing`]);
    expect(chart.compensations.map((link) => [link.label, link.from, link.to])).toEqual([
      ['ReleaseStock undoes ReserveStock', [`${ID}.securing.stock.reserving`], [`${ID}.compensating.undoing`]],
      ['VoidAuthorization undoes AuthorizePayment', [`${ID}.securing.payment.authorizing`], [`${ID}.compensating.undoing`]],
      ['CancelShipment undoes ScheduleShipment', [`${ID}.shipping`], [`${ID}.compensating.undoing`]],
    ]);
  });

  it('is plain JSON: states by id with their parent and children, transitions by index, timers with their delay in ms', () => {
    const chart = readSagaChart(order);
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart).toMatchObject({ name: ID, version: 1, root: ID });
    expect(chart.states[0]).toMatchObject({ id: ID, key: ID, path: [], kind: 'compound', initial: `${ID}.securing` });
    expect(chart.states[0]).not.toHaveProperty('parent');
    expect(chart.states.find((s) => s.id === `${ID}.securing`)).toMatchObject({
      kind: 'parallel',
      parent: ID,
      children: [`${ID}.securing.stock`, `${ID}.securing.payment`],
    });
    expect(chart.states.find((s) => s.id === `${ID}.securing.stock.reserving`)).toEqual({
      id: `${ID}.securing.stock.reserving`,
      key: 'reserving',
      path: ['securing', 'stock', 'reserving'],
      parent: `${ID}.securing.stock`,
      kind: 'atomic',
      children: [],
      tags: [],
      sends: [{ command: 'ReserveStock', step: 'reserveStock', undoneBy: 'ReleaseStock' }],
      compensates: false,
      timers: [],
    });
    expect(chart.states.find((s) => s.id === `${ID}.securing.payment.authorizing`)!.timers).toEqual([
      { transition: 9, delay: 'paymentTimeout (30 s)', ms: 30_000 },
    ]);
    expect(chart.transitions.map((t) => t.index)).toEqual(chart.transitions.map((_, i) => i));
    expect(chart.transitions[9]).toEqual({
      index: 9,
      source: `${ID}.securing.payment.authorizing`,
      targets: [`${ID}.securing.payment.timedOut`],
      kind: 'after',
      delay: 'paymentTimeout (30 s)',
      delayMs: 30_000,
      sends: [],
      label: 'after paymentTimeout (30 s)',
    });
    expect(chart.states.filter((s) => s.compensates).map((s) => s.id)).toEqual([`${ID}.compensating.undoing`]);
  });

  it('leaves out the ms of a delay a function computes', () => {
    const Go = event('Go', { schema: z.object({}) });
    const machine = setup({ delays: { backoff: () => 1_000 } }).createMachine({
      id: 'later',
      initial: 'waiting',
      states: { waiting: { after: { backoff: 'done', 250: 'done' } }, done: { type: 'final' } },
    });
    const chart = readSagaChart(defineSaga({ name: 'later', version: 1, input: z.object({}), commands: [], events: [Go], machine }));
    // A numeric key comes first in a JavaScript object, so in XState's transitions too.
    expect(chart.states.find((s) => s.key === 'waiting')!.timers).toEqual([
      { transition: 0, delay: '250 ms', ms: 250 },
      { transition: 1, delay: 'backoff' },
    ]);
    expect(chart.transitions[1]).toMatchObject({ kind: 'after', delay: 'backoff' });
    expect(chart.transitions[1]).not.toHaveProperty('delayMs');
  });

  it('gives a delay its value when the machine has it: another paymentTimeout, another label', () => {
    const chart = readSagaChart(createOrderFulfillmentSaga({ paymentTimeoutMs: 90_000 }));
    expect(chart.transitions.filter((t) => t.kind === 'after').map((t) => t.label)).toEqual(['after paymentTimeout (90 s)']);
  });
});

describe('baton graph --format dot', () => {
  const dot = sagaGraph(order, 'dot');

  it('draws the compound and parallel states as clusters, the regions of the parallel one dashed, fanned out from a fork bar', () => {
    for (const state of ['securing', 'securing.stock', 'securing.payment', 'compensating']) {
      expect(dot).toContain(`subgraph "cluster_${ID}.${state}" {`);
    }
    expect(dot).toContain('label=<<b>securing</b> <i>(parallel: all regions at once)</i>');
    expect(dot.match(/style="dashed,rounded,filled"/g)).toHaveLength(2);
    expect(dot).toContain(`"${ID}.securing#fork" -> "${ID}.securing.stock.reserving"`);
    expect(dot).toContain(`"${ID}.securing#fork" -> "${ID}.securing.payment.authorizing"`);
  });

  it('marks the initial states with a dot and the final ones with a double border', () => {
    expect(dot).toContain(`"${ID}#initial" -> "${ID}.securing#fork" [lhead="cluster_${ID}.securing"];`);
    expect(dot).toContain(`"${ID}.compensating#initial" -> "${ID}.compensating.undoing" [];`);
    for (const final of ['completed', 'compensated', 'aborted', 'securing.payment.timedOut', 'compensating.undone']) {
      expect(dot).toMatch(new RegExp(`"${ID}\\.${final.replace('.', '\\.')}" \\[.*peripheries=2`));
    }
    expect(dot).not.toMatch(/"order-fulfillment\.shipping" \[.*peripheries/);
  });

  it('labels the transitions with their event, guard and delay, and leaves a cluster for onDone', () => {
    expect(dotEdges(dot, 'securing.stock.reserving', 'securing.stock.refused')).toEqual([
      expect.stringContaining('[label=<StockRefused>, class="baton-transition baton-t4"]'),
      expect.stringContaining('[label=<StepFailed [reserveStock failed]>, class="baton-transition baton-t5"]'),
    ]);
    expect(dotEdges(dot, 'securing.payment.authorizing', 'securing.payment.timedOut')).toEqual([
      expect.stringContaining('label=<after paymentTimeout (30 s)>, style="bold", class="baton-transition baton-t9 baton-after"'),
    ]);
    const onDone = dot.split('\n').find((line) => line.includes('onDone [somethingFailed]'))!;
    expect(onDone).toContain(`ltail="cluster_${ID}.securing"`);
    expect(onDone).toContain(`lhead="cluster_${ID}.compensating"`);
    expect(dot).toContain('label=<onDone [aborted]>');
    expect(dot).toContain('AbortRequested: actions only, stays');
  });

  it('says what each state sends, which one undoes the armed steps, and puts what undoes each step beside it', () => {
    expect(dot).toContain('sends ReserveStock');
    expect(dot).toContain('sends NotifyCustomer');
    expect(dot).toContain('undo armed steps, newest first');
    for (const [state, label] of [
      ['securing.stock.reserving', 'ReleaseStock undoes ReserveStock'],
      ['securing.payment.authorizing', 'VoidAuthorization undoes AuthorizePayment'],
      ['shipping', 'CancelShipment undoes ScheduleShipment'],
    ]) {
      expect(dot).toContain(`"${ID}.${state}#undo" [shape=note`);
      expect(dot).toContain(`label=<${label}>`);
      expect(dot).toContain(`{ rank=same; "${ID}.${state}"; "${ID}.${state}#undo"; }`);
      expect(dot).toContain(`"${ID}.${state}" -> "${ID}.${state}#undo" [style=dashed, color="#b03a2e", arrowhead=none, class="baton-undo"];`);
    }
  });

  it('shows tags and colours the endings by them', () => {
    expect(dot).toMatch(/"order-fulfillment\.compensated" \[label=<.*tags: compensated.*fillcolor="#fae5d3"/);
    expect(dot).toMatch(/"order-fulfillment\.aborted" \[label=<.*tags: aborted.*fillcolor="#e5e7e9"/);
    expect(dot).toMatch(/"order-fulfillment\.completed" \[.*fillcolor="#d5f5e3"/);
  });

  it('gives every state but the root an SVG id and classes, and every edge of a transition its index', () => {
    const chart = readSagaChart(order);
    for (const state of chart.states.slice(1)) {
      expect(dot.split(`id="state:${state.id}"`)).toHaveLength(2);
    }
    expect(dot).not.toContain(`id="state:${ID}"`);
    expect(dot).toContain(`"${ID}.completed" [label=<`);
    expect(dot).toMatch(/"order-fulfillment\.completed" \[.*, id="state:order-fulfillment\.completed", class="baton-state baton-final"\];/);
    expect(dot).toContain(`subgraph "cluster_${ID}.securing" {\n    id="state:${ID}.securing"; class="baton-state baton-parallel";`);
    expect(dot).toContain(`id="state:${ID}.compensating"; class="baton-state baton-compound baton-compensation";`);
    expect(dot).toContain(`id="state:${ID}.compensating.undoing", class="baton-state baton-atomic baton-compensation"`);
    expect(dot).toContain(`id="state:${ID}.aborted", class="baton-state baton-final baton-compensation"`);
    // Transition 1 (securing's onDone to compensating) is drawn from the cluster; transition 0 only runs actions in a cluster: no edge.
    expect(dot.match(/class="baton-transition baton-t1"/g)).toHaveLength(1);
    expect(dot).not.toContain('baton-t0"');
    expect(dot.match(/class="baton-undo"/g)).toHaveLength(6);
    expect(dot.match(/ baton-after"/g)).toHaveLength(1);
  });

  it('is the same text every time', () => {
    expect(sagaGraph(createOrderFulfillmentSaga(), 'dot')).toBe(dot);
  });
});

describe('baton graph --format mermaid', () => {
  const mermaid = sagaGraph(order, 'mermaid');
  const lines = mermaid.split('\n').map((line) => line.trim());

  it('is a stateDiagram-v2 with composite states, and the regions of the parallel one separated by --', () => {
    expect(mermaid.startsWith('---\ntitle: "order-fulfillment v1"\n---\nstateDiagram-v2\n')).toBe(true);
    expect(lines).toContain('state "securing (parallel)" as securing {');
    const stock = lines.indexOf('state "stock" as securing_stock {');
    const payment = lines.indexOf('state "payment" as securing_payment {');
    expect(stock).toBeGreaterThan(0);
    expect(lines[payment - 1]).toBe('--');
    expect(lines).toContain('state "compensating" as compensating {');
  });

  it('marks initial and final states with [*], each state with an id of its own', () => {
    expect(lines).toContain('[*] --> securing');
    expect(lines).toContain('[*] --> securing_stock_reserving');
    expect(lines).toContain('[*] --> compensating_undoing');
    expect(lines).toContain('securing_stock_refused --> [*]');
    expect(lines).toContain('securing_payment_refused --> [*]');
    expect(lines).toContain('completed --> [*]');
  });

  it('labels the transitions with their event, guard and delay', () => {
    expect(lines).toContain('securing_stock_reserving --> securing_stock_refused : StepFailed [reserveStock failed]');
    expect(lines).toContain('securing_payment_authorizing --> securing_payment_timedOut : after paymentTimeout (30 s)');
    expect(lines).toContain('securing --> compensating : onDone [somethingFailed]');
    expect(lines).toContain('securing --> shipping : onDone [else]');
    expect(lines).toContain('compensating --> aborted : onDone [aborted]');
  });

  it('describes what states send and what undoes each step, and notes compensation() and the tags', () => {
    expect(lines).toContain('securing_stock_reserving : sends ReserveStock');
    expect(lines).toContain('securing_stock_reserving : ReleaseStock undoes ReserveStock');
    expect(lines).toContain('shipping : CancelShipment undoes ScheduleShipment');
    expect(lines).toContain('compensating_undoing : undo armed steps, newest first');
    expect(lines).toContain('compensated : tags: compensated');
    expect(lines).toContain('class aborted aborted');
    expect(lines).toContain('AbortRequested: actions only, stays');
  });
});

describe('baton graph on a tiny saga', () => {
  const tiny = tinySaga();

  it('names numeric delays, always, XState guards and inline ones, and what a named action and sendCommand send', () => {
    const chart = readSagaChart(tiny);
    expect(chart.transitions.map((t) => `${t.source} -> ${t.targets.join(',') || '(stays)'}: ${t.label}`)).toEqual([
      'tiny -> tiny.greeted: Stop',
      'tiny -> (stays): Log',
      'tiny.checking -> tiny.pinging: always [!isZero]',
      'tiny.checking -> tiny.greeted: always [else]',
      'tiny.pinging -> tiny.greeted: Ponged [guard]',
      'tiny.pinging -> (stays): Poke',
      'tiny.pinging -> tiny.greeted: after 5 s',
    ]);
    expect(chart.states.find((s) => s.id === 'tiny.pinging')!.sends).toEqual([{ command: 'Ping', step: 'ping', undoneBy: 'Unping' }]);
    expect(chart.states.find((s) => s.id === 'tiny.greeted')!.sends).toEqual([{ command: 'Hello' }]);
    expect(chart.compensations).toEqual([
      { step: 'ping', command: 'Ping', undoneBy: 'Unping', from: ['tiny.pinging'], to: [], label: 'Unping undoes Ping' },
    ]);
  });

  it('draws them in DOT: a self-loop for a transition that only runs actions, no compensation() where there is none', () => {
    const dot = sagaGraph(tiny, 'dot');
    expect(dot).toContain('<b>tiny</b> v3');
    expect(dot).toContain('"tiny.pinging" -> "tiny.pinging" [label=<Poke: stays>, tailport="sw", headport="w", class="baton-transition baton-t5"];');
    expect(dot).toContain('"tiny.checking" -> "tiny.pinging" [label=<always [!isZero]>');
    expect(dot).toContain('"tiny.pinging" -> "tiny.greeted" [label=<after 5 s>, style="bold", class="baton-transition baton-t6 baton-after"];');
    expect(dot).toContain('label=<Unping undoes Ping>');
    expect(dot).toMatch(/"tiny\.greeted" \[label=<.*sends Hello.*tags: failed.*fillcolor="#f5b7b1", peripheries=2, id="state:tiny\.greeted", class="baton-state baton-final baton-compensation"\]/);
    expect(dot).not.toContain('undo armed steps');
    expect(dot).not.toContain('subgraph');
    expect(dot).toContain('"tiny#any" [label=<<i>in any state</i>>');
    expect(dot).toContain('"tiny#any" -> "tiny.greeted" [label=<Stop>, class="baton-transition baton-t0"];');
    expect(dot).toContain('Log: actions only, stays');
  });

  it('draws them in Mermaid', () => {
    const lines = sagaGraph(tiny, 'mermaid').split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        '[*] --> checking',
        'checking --> pinging : always [!isZero]',
        'checking --> greeted : always [else]',
        'pinging --> pinging : Poke: stays',
        'pinging --> greeted : after 5 s',
        'pinging : sends Ping',
        'pinging : Unping undoes Ping',
        'greeted : sends Hello',
        'greeted --> [*]',
        'class greeted failed',
        'state "in any state" as in_any_state',
        'in_any_state --> greeted : Stop',
        'in_any_state : Log: actions only, stays',
      ]),
    );
  });
});

/**
 * States in states: a parallel state in a compound one, a region with an id
 * of its own, a history state, a compound state's transition to its own
 * child, a transition out of a region to the top.
 */
function nestedSaga() {
  const Go = event('Go', { schema: z.object({}) });
  const Back = event('Back', { schema: z.object({}) });
  const machine = setup({}).createMachine({
    id: 'nested',
    initial: 'outer',
    states: {
      outer: {
        initial: 'inner',
        on: { Back: '.inner' },
        states: {
          inner: {
            type: 'parallel',
            on: { Go: 'other' },
            states: {
              a: { id: 'regionA', initial: 'a1', states: { a1: { on: { Go: 'a2' } }, a2: { type: 'final' }, hist: { type: 'history', history: 'deep' } } },
              b: { initial: 'b1', states: { b1: { on: { Go: '#nested.done' } } } },
            },
          },
          other: { on: { Back: '#nested.outer' } },
        },
        onDone: 'done',
      },
      done: { type: 'final' },
    },
  });
  return defineSaga({ name: 'nested', version: 1, input: z.object({}), commands: [], events: [Go, Back], machine });
}

describe('baton graph on states in states', () => {
  const nested = nestedSaga();

  it('lays the DOT out with no Graphviz warning (every cluster an edge clips at exists)', async () => {
    for (const saga of [nested, order]) {
      const result = (await instance()).render(sagaGraph(saga, 'dot'), { format: 'svg' });
      expect(result).toMatchObject({ status: 'success', errors: [] });
    }
  });

  it("writes a compound state's transition to its own child in its label, not as an edge from a child", () => {
    const dot = sagaGraph(nested, 'dot');
    expect(dot).toContain('label=<<b>outer</b><br/><font point-size="10" color="#34495e">Back: to inner</font>>;');
    expect(dot).not.toMatch(/-> "nested\.outer\.inner#fork" \[label=<Back>/);
    expect(dot).toContain('"nested.outer.other" -> "nested.outer#initial" [label=<Back>, class="baton-transition baton-t5"];');
    expect(dot).toMatch(/"nested\.outer\.inner\.b\.b1" -> "nested\.outer\.other" \[label=<Go>, ltail="cluster_nested\.outer\.inner", class="baton-transition baton-t2"\]/);
    expect(dot).toContain('subgraph "cluster_regionA" {');
    expect(dot).toContain('"nested.outer.inner.a.hist" [label=<H*>, fillcolor="#ffffff", shape=circle, tooltip="hist: deep history", id="state:nested.outer.inner.a.hist", class="baton-state baton-history"];');
  });

  it('names Mermaid states by their path, the one with an id of its own too', () => {
    const lines = sagaGraph(nested, 'mermaid').split('\n').map((line) => line.trim());
    expect(lines).toEqual(
      expect.arrayContaining([
        'state "inner (parallel)" as outer_inner {',
        'state "a" as outer_inner_a {',
        'state "hist (deep history)" as outer_inner_a_hist',
        'outer --> outer_inner : Back',
        'outer_inner_b_b1 --> done : Go',
        'outer --> done : onDone',
      ]),
    );
  });
});

describe('baton graph --format svg', () => {
  it('tells well-formed XML from XML that is not', () => {
    expect(xmlProblems('<svg a="1"><g><text>a &amp; b</text></g><path d="M0"/></svg>')).toEqual([]);
    expect(xmlProblems('<svg><g></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg><text>a & b</text></svg>')).not.toEqual([]);
    expect(xmlProblems('<svg></svg><svg></svg>')).not.toEqual([]);
  });

  it('lays the DOT out offline: well-formed SVG naming every state and transition', async () => {
    const svg = await sagaGraph(order, 'svg');
    expect(svg).toMatch(/^<\?xml version="1.0" encoding="UTF-8" standalone="no"\?>/);
    expect(xmlProblems(svg)).toEqual([]);
    expect(svg).toContain('<svg width=');
    expect(svg.trimEnd().endsWith('</svg>')).toBe(true);
    for (const text of ['securing', 'reserving', 'authorizing', 'timedOut', 'shipping', 'compensating', 'undoing', 'compensated', 'aborted']) {
      expect(svg).toContain(`>${text}</text>`);
    }
    for (const text of ['after paymentTimeout (30 s)', 'StepFailed [reserveStock failed]', 'ReleaseStock undoes ReserveStock', 'undo armed steps, newest first']) {
      expect(svg).toContain(text);
    }
    expect(await sagaGraph(order, 'svg')).toBe(svg);
  });

  it("carries the states' ids and the transitions' classes into the SVG's <g> elements, with plain hyphens", async () => {
    const svg = await sagaGraph(order, 'svg');
    expect(svg).toContain(`<g id="state:${ID}.completed" class="node baton-state baton-final">`);
    expect(svg).toContain(`<g id="state:${ID}.securing" class="cluster baton-state baton-parallel">`);
    expect(svg).toContain(`<g id="state:${ID}.compensating.undoing" class="node baton-state baton-atomic baton-compensation">`);
    expect(svg).toMatch(/<g id="edge\d+" class="edge baton-transition baton-t3">\n<title>order&#45;fulfillment\.securing\.stock\.reserving&#45;&gt;order&#45;fulfillment\.securing\.stock\.reserved<\/title>/);
    expect(svg).toMatch(/<g id="edge\d+" class="edge baton-transition baton-t9 baton-after">/);
    expect(svg.match(/<g id="node\d+" class="node baton-undo">/g)).toHaveLength(3);
    expect(svg.match(/<g id="edge\d+" class="edge baton-undo">/g)).toHaveLength(3);
    for (const state of readSagaChart(order).states.slice(1)) expect(svg).toContain(` id="state:${state.id}" class="`);
    expect(svg).not.toMatch(/ (id|class)="[^"]*&#45;/);
  });
});
