import {
  InvalidMessageError,
  SagaEngine,
  UnknownMessageTypeError,
  type OutgoingCommand,
  type SagaDefinition,
  type SagaStatus,
} from '@baton/core';
import { SagaTestHarness } from '@baton/testing';
import {
  AuthorizePayment,
  NotifyCustomer,
  ReleaseStock,
  ReserveStock,
  ScheduleShipment,
  VoidAuthorization,
  type OrderPlaced,
} from '@example/order-fulfillment-contracts';
import { createOrderFulfillmentSaga } from './order-fulfillment.saga';

// --- fixtures ----------------------------------------------------------------

const PAYMENT_TIMEOUT_MS = 5_000;
const PAYMENT_TIMER = 'xstate.after.paymentTimeout.order-fulfillment.securing.payment.authorizing';

const order: OrderPlaced = {
  orderId: 'order-42',
  customerId: 'customer-7',
  items: [
    { sku: 'SKU-RED-MUG', quantity: 2 },
    { sku: 'SKU-TEA', quantity: 1 },
  ],
  amountCents: 4_999,
  currency: 'EUR',
  paymentToken: 'tok_visa',
  shippingAddress: { line1: '1 Teapot Lane', city: 'Berlin', postalCode: '10115', country: 'DE' },
};

interface Reply {
  readonly type: string;
  readonly payload: unknown;
}

/** A reply from a participant, or the virtual clock moving on. */
type Step = Reply | { readonly advanceMs: number };

const stockReserved: Reply = { type: 'StockReserved', payload: { reservationId: 'res-1' } };
const stockRefused: Reply = { type: 'StockRefused', payload: { reason: 'SKU-TEA is out of stock' } };
const stockReleased: Reply = { type: 'StockReleased', payload: { released: true } };
const paymentAuthorized: Reply = { type: 'PaymentAuthorized', payload: { authorizationId: 'auth-1' } };
const paymentRefused: Reply = { type: 'PaymentRefused', payload: { reason: 'card declined' } };
const authorizationVoided: Reply = { type: 'AuthorizationVoided', payload: { orderId: order.orderId, voided: true } };
const shipmentScheduled: Reply = { type: 'ShipmentScheduled', payload: { shipmentId: 'ship-1' } };
const shipmentRefused: Reply = { type: 'ShipmentRefused', payload: { reason: 'no carrier serves 10115' } };
const paymentTimesOut: Step = { advanceMs: PAYMENT_TIMEOUT_MS };

// Reply timeouts (retries) an hour out: beyond every clock move below. Retries have their own tests.
const definition = createOrderFulfillmentSaga({ paymentTimeoutMs: PAYMENT_TIMEOUT_MS, replyTimeoutMs: 3_600_000 });

/** Commands as the tests compare them: without the engine's bookkeeping (ids, step, attempt, what a compensation undoes). */
const wire = (commands: readonly OutgoingCommand[]) =>
  commands.map(({ messageId: _id, step: _step, attempt: _attempt, compensates: _undoes, ...rest }) => rest);

const releaseStock = {
  type: 'ReleaseStock',
  version: 2,
  participant: 'inventory',
  payload: { orderId: order.orderId },
};
const voidAuthorization = {
  type: 'VoidAuthorization',
  version: 1,
  participant: 'payment',
  payload: { orderId: order.orderId },
};

// --- helpers -----------------------------------------------------------------

/** What produced one snapshot from the one before it: a reply, or a timer that fired. */
type Input = { readonly reply: Reply } | { readonly timer: string };

interface Transition {
  readonly input: Input;
  /** The commands the transition sent. */
  readonly commands: ReturnType<typeof wire>;
}

function deliver(harness: SagaTestHarness, reply: Reply): boolean {
  return harness.receive(reply.type, reply.payload);
}

/** The timer that falls due while the clock moves `ms` forward, if any. */
function timerDueWithin(harness: SagaTestHarness, ms: number): string | undefined {
  const due = [...harness.pendingTimers].filter(([, dueAt]) => dueAt <= harness.now + ms);
  if (due.length > 1) throw new Error(`${due.length} timers fall due at once; split the clock move to record each.`);
  return due[0]?.[0];
}

/**
 * Starts an order and plays `steps` against it, remembering every accepted
 * transition (what caused it, what it sent), so a test can replay each one.
 */
function drive(steps: readonly Step[], saga: SagaDefinition = definition) {
  const harness = SagaTestHarness.start(saga, order);
  const transitions: Transition[] = [];
  for (const step of steps) {
    const sentBefore = harness.sent.length;
    let input: Input | undefined;
    if ('advanceMs' in step) {
      const timer = timerDueWithin(harness, step.advanceMs);
      harness.advance(step.advanceMs);
      input = timer === undefined ? undefined : { timer };
    } else if (deliver(harness, step)) {
      input = { reply: step };
    }
    if (input) transitions.push({ input, commands: wire(harness.sent.slice(sentBefore)) });
  }
  return { harness, transitions };
}

function play(...steps: Step[]): SagaTestHarness {
  return drive(steps).harness;
}

/** The commands sent after the first `skip` of them (starting an order sends two). */
const sentAfter = (harness: SagaTestHarness, skip: number) => wire(harness.sent.slice(skip));

/** The machine's own `after` timers (the engine's reply timeouts left out). */
const machineTimers = (harness: SagaTestHarness) => [...harness.pendingTimers].filter(([key]) => key.startsWith('xstate.'));

/** The last command sent, by type. */
const lastSent = (harness: SagaTestHarness) => harness.sentTypes[harness.sentTypes.length - 1];

// --- behaviour ---------------------------------------------------------------

describe('An order that is placed', () => {
  it('asks for its stock and its payment at once, with payloads that match their contracts', () => {
    const harness = play();

    expect(harness.status).toBe('running');
    expect(harness.state).toEqual({ securing: { stock: 'reserving', payment: 'authorizing' } });
    expect(wire(harness.sent)).toEqual([
      {
        type: 'ReserveStock',
        version: 1,
        participant: 'inventory',
        payload: { orderId: order.orderId, items: order.items },
      },
      {
        type: 'AuthorizePayment',
        version: 1,
        participant: 'payment',
        payload: {
          orderId: order.orderId,
          customerId: order.customerId,
          amountCents: order.amountCents,
          currency: order.currency,
          paymentToken: order.paymentToken,
        },
      },
    ]);
    expect(ReserveStock.schema.safeParse(harness.sent[0].payload).success).toBe(true);
    expect(AuthorizePayment.schema.safeParse(harness.sent[1].payload).success).toBe(true);
  });

  it('arms the payment timeout, due after the configured time', () => {
    expect(machineTimers(play())).toEqual([[PAYMENT_TIMER, PAYMENT_TIMEOUT_MS]]);
  });

  it('gives payment thirty seconds when no timeout is configured', () => {
    const timers = [...drive([], createOrderFulfillmentSaga()).harness.pendingTimers];
    expect(timers.filter(([key]) => key === PAYMENT_TIMER)).toEqual([[PAYMENT_TIMER, 30_000]]);
  });

  it('keeps waiting for the other branch when only one has answered', () => {
    const harness = play(stockReserved);

    expect(harness.state).toEqual({ securing: { stock: 'reserved', payment: 'authorizing' } });
    expect(harness.sent).toHaveLength(2);
  });
});

describe('An order whose stock and payment are both secured', () => {
  it.each([
    ['stock answers first', [stockReserved, paymentAuthorized]],
    ['payment answers first', [paymentAuthorized, stockReserved]],
  ])('schedules the shipment to the order address once both replied (%s)', (_order, replies) => {
    const harness = play(...replies);

    expect(harness.state).toBe('shipping');
    expect(sentAfter(harness, 2)).toEqual([
      {
        type: 'ScheduleShipment',
        version: 1,
        participant: 'shipping',
        payload: { orderId: order.orderId, items: order.items, address: order.shippingAddress },
      },
    ]);
    expect(ScheduleShipment.schema.safeParse(harness.sent[2].payload).success).toBe(true);
  });

  it('notifies the customer and completes with every id once the shipment is scheduled', () => {
    const harness = play(stockReserved, paymentAuthorized, shipmentScheduled);

    expect(harness.status).toBe('completed');
    expect(harness.state).toBe('completed');
    expect(sentAfter(harness, 3)).toEqual([
      {
        type: 'NotifyCustomer',
        version: 1,
        participant: 'notification',
        payload: {
          orderId: order.orderId,
          customerId: order.customerId,
          template: 'order-confirmed',
          shipmentId: 'ship-1',
        },
      },
    ]);
    expect(NotifyCustomer.schema.safeParse(harness.sent[3].payload).success).toBe(true);
    expect(harness.output).toEqual({
      orderId: order.orderId,
      reservationId: 'res-1',
      authorizationId: 'auth-1',
      shipmentId: 'ship-1',
      failure: undefined,
    });
    expect(machineTimers(harness)).toEqual([]);
  });
});

describe('An order whose stock is refused', () => {
  it.each([
    ['before the payment is authorized', [stockRefused, paymentAuthorized]],
    ['after the payment is authorized', [paymentAuthorized, stockRefused]],
  ])('voids the authorized payment and ends compensated with the reason (%s)', (_when, replies) => {
    const harness = play(...replies);

    expect(harness.status).toBe('compensating');
    expect(sentAfter(harness, 2)).toEqual([voidAuthorization]);
    expect(VoidAuthorization.schema.safeParse(voidAuthorization.payload).success).toBe(true);

    expect(deliver(harness, authorizationVoided)).toBe(true);
    expect(harness.status).toBe('compensated');
    expect(harness.state).toBe('compensated');
    expect(harness.output.failure).toEqual({ step: 'reserveStock', reason: 'SKU-TEA is out of stock' });
    expect(sentAfter(harness, 3)).toEqual([]);
  });
});

describe('An order whose payment is refused', () => {
  it('releases the reserved stock and ends compensated with the reason', () => {
    const harness = play(stockReserved, paymentRefused);

    expect(harness.status).toBe('compensating');
    expect(sentAfter(harness, 2)).toEqual([releaseStock]);
    expect(ReleaseStock.schema.safeParse(releaseStock.payload).success).toBe(true);

    expect(deliver(harness, stockReleased)).toBe(true);
    expect(harness.status).toBe('compensated');
    expect(harness.output.failure).toEqual({ step: 'authorizePayment', reason: 'card declined' });
    expect(machineTimers(harness)).toEqual([]);
  });
});

describe('An order whose stock and payment are both refused', () => {
  it('has nothing to undo and goes straight to compensated without sending a compensation', () => {
    const harness = play(stockRefused, paymentRefused);

    expect(harness.status).toBe('compensated');
    expect(harness.state).toBe('compensated');
    expect(harness.sentTypes).toEqual(['ReserveStock', 'AuthorizePayment']);
  });

  it('keeps the first refusal as the reason', () => {
    const harness = play(paymentRefused, stockRefused);

    expect(harness.output.failure).toEqual({ step: 'authorizePayment', reason: 'card declined' });
  });
});

describe('An order whose payment does not answer in time', () => {
  it('voids the authorization that never arrived, then releases the stock once the void is confirmed', () => {
    const harness = play(stockReserved, paymentTimesOut);

    expect(harness.status).toBe('compensating');
    expect(machineTimers(harness)).toEqual([]);
    expect(sentAfter(harness, 2)).toEqual([voidAuthorization]);
    expect(harness.context.failure).toEqual({
      step: 'authorizePayment',
      reason: `payment did not answer within ${PAYMENT_TIMEOUT_MS} ms`,
    });

    expect(deliver(harness, authorizationVoided)).toBe(true);
    expect(sentAfter(harness, 3)).toEqual([releaseStock]);

    expect(deliver(harness, stockReleased)).toBe(true);
    expect(harness.status).toBe('compensated');
  });

  it('does not give up a moment before the deadline', () => {
    const harness = play(stockReserved, { advanceMs: PAYMENT_TIMEOUT_MS - 1 });
    expect(harness.state).toEqual({ securing: { stock: 'reserved', payment: 'authorizing' } });

    harness.advance(1);
    expect(harness.status).toBe('compensating');
  });

  it('undoes whichever step was armed last first: stock reserved after the timeout is released before the void', () => {
    const harness = play(paymentTimesOut, stockReserved);

    expect(sentAfter(harness, 2)).toEqual([releaseStock]);
    expect(deliver(harness, stockReleased)).toBe(true);
    expect(sentAfter(harness, 3)).toEqual([voidAuthorization]);
    expect(deliver(harness, authorizationVoided)).toBe(true);
    expect(harness.status).toBe('compensated');
  });

  it('records a PaymentAuthorized that arrives after the timeout as late, undone by the void armed at the timeout, once', () => {
    for (const harness of [play(paymentTimesOut), play(stockReserved, paymentTimesOut)]) {
      const sent = harness.sent.length;
      const state = harness.state;

      expect(deliver(harness, paymentAuthorized)).toBe(true);
      expect(harness.state).toEqual(state);
      expect(harness.context.authorizationId).toBeUndefined();
      expect(harness.sent).toHaveLength(sent);
      expect(harness.notes[harness.notes.length - 1]).toMatch(/^late PaymentAuthorized for authorizePayment .*: it took effect; VoidAuthorization .*, armed when the saga gave up, undoes it$/);
      expect(harness.armedCompensations.filter((step) => step === 'authorizePayment')).toHaveLength(1);
    }
  });
});

describe('An order whose payment answers in time', () => {
  it.each([
    ['authorized', paymentAuthorized],
    ['refused', paymentRefused],
  ])('cancels the payment timeout, so advancing the clock changes nothing (%s)', (answer, reply) => {
    const harness = play(reply);
    expect(machineTimers(harness)).toEqual([]);

    const before = { states: harness.states.length, sent: harness.sent.length };
    harness.advance(PAYMENT_TIMEOUT_MS * 10);
    expect({ states: harness.states.length, sent: harness.sent.length }).toEqual(before);
    expect(harness.state).toEqual({ securing: { stock: 'reserving', payment: answer } });
  });
});

describe('An order whose shipment is refused', () => {
  it.each([
    ['stock then payment', [stockReserved, paymentAuthorized], [voidAuthorization, releaseStock]],
    ['payment then stock', [paymentAuthorized, stockReserved], [releaseStock, voidAuthorization]],
  ])('undoes both steps in reverse order of completion (%s)', (_completed, replies, undoOrder) => {
    const harness = play(...replies, shipmentRefused);
    expect(harness.status).toBe('compensating');

    for (const confirm of undoOrder.map((cmd) => (cmd === releaseStock ? stockReleased : authorizationVoided))) {
      expect(deliver(harness, confirm)).toBe(true);
    }
    expect(sentAfter(harness, 3)).toEqual(undoOrder);
    expect(harness.status).toBe('compensated');
    expect(harness.output.failure).toEqual({ step: 'scheduleShipment', reason: 'no carrier serves 10115' });
  });
});

describe('A compensating order', () => {
  it('does not accept a confirmation for a compensation other than the newest one', () => {
    const harness = play(stockReserved, paymentAuthorized, shipmentRefused);
    expect(lastSent(harness)).toBe('VoidAuthorization');
    const snapshots = harness.snapshots.length;

    expect(deliver(harness, stockReleased)).toBe(false);
    expect(harness.snapshots).toHaveLength(snapshots);
    expect(harness.armedCompensations).toEqual(['reserveStock', 'authorizePayment']);

    expect(deliver(harness, authorizationVoided)).toBe(true);
    expect(lastSent(harness)).toBe('ReleaseStock');
  });

  it('does not accept a confirmation once nothing is left to undo', () => {
    const harness = play(stockReserved, paymentRefused, stockReleased);

    expect(harness.status).toBe('compensated');
    expect(deliver(harness, stockReleased)).toBe(false);
  });
});

describe('A reply that breaks its contract', () => {
  it('is rejected with an InvalidMessageError naming the field', () => {
    const harness = play();
    const attempt = () => harness.receive('StockReserved', { reservationId: 42 });

    expect(attempt).toThrow(InvalidMessageError);
    expect(attempt).toThrow(/StockReserved payload is invalid: reservationId:/);
    expect(harness.snapshots).toHaveLength(1);
  });

  it('of a type the saga does not declare is rejected with an UnknownMessageTypeError', () => {
    const harness = play();
    const attempt = () => harness.receive('StockTeleported', { reservationId: 'res-1' });

    expect(attempt).toThrow(UnknownMessageTypeError);
    expect(attempt).toThrow(/declares no message type "StockTeleported"; it accepts: StockReserved, StockRefused/);
  });
});

describe('An order placed with invalid input', () => {
  it('is rejected with an InvalidMessageError naming each bad field', () => {
    const input = {
      ...order,
      customerId: undefined,
      items: [{ sku: '', quantity: 0 }],
      currency: 'EURO',
      shippingAddress: { ...order.shippingAddress, country: 'Germany' },
    };

    let error: unknown;
    try {
      SagaTestHarness.start(definition, input);
    } catch (thrown) {
      error = thrown;
    }

    expect(error).toBeInstanceOf(InvalidMessageError);
    const invalid = error as InvalidMessageError;
    expect(invalid.messageType).toBe('input');
    expect(invalid.issues.map((issue) => issue.path).sort()).toEqual(
      ['currency', 'customerId', 'items.0.quantity', 'items.0.sku', 'shippingAddress.country'].sort(),
    );
    expect(invalid.message).toContain('items.0.sku: must be a non-empty SKU');
    expect(invalid.message).toContain('Saga "order-fulfillment" v1');
  });
});

// --- persistence -------------------------------------------------------------

/** Every path through the saga, as the replies and clock moves that drive it, and where it ends. */
const PATHS: ReadonlyArray<{ path: string; steps: readonly Step[]; ends: SagaStatus }> = [
  { path: 'success, stock first', steps: [stockReserved, paymentAuthorized, shipmentScheduled], ends: 'completed' },
  { path: 'success, payment first', steps: [paymentAuthorized, stockReserved, shipmentScheduled], ends: 'completed' },
  { path: 'stock refused', steps: [paymentAuthorized, stockRefused, authorizationVoided], ends: 'compensated' },
  { path: 'payment refused', steps: [stockReserved, paymentRefused, stockReleased], ends: 'compensated' },
  { path: 'both refused', steps: [stockRefused, paymentRefused], ends: 'compensated' },
  {
    path: 'payment timeout',
    steps: [stockReserved, paymentTimesOut, authorizationVoided, stockReleased],
    ends: 'compensated',
  },
  {
    path: 'payment timeout before stock',
    steps: [paymentTimesOut, stockReserved, stockReleased, authorizationVoided],
    ends: 'compensated',
  },
  {
    path: 'late authorization after timeout',
    steps: [paymentTimesOut, paymentAuthorized, stockRefused, authorizationVoided],
    ends: 'compensated',
  },
  {
    path: 'payment in time',
    steps: [paymentAuthorized, { advanceMs: PAYMENT_TIMEOUT_MS * 2 }, stockReserved, shipmentScheduled],
    ends: 'completed',
  },
  {
    path: 'shipment refused, then a stray confirmation',
    steps: [stockReserved, paymentAuthorized, shipmentRefused, authorizationVoided, stockReleased, stockReleased],
    ends: 'compensated',
  },
];

/** Feeds one recorded input to a fresh engine, from a snapshot and runtime as they would be read back from storage. */
function replay(harness: SagaTestHarness, i: number, input: Input) {
  const engine = new SagaEngine();
  const saga = { snapshot: JSON.parse(harness.snapshots[i]), runtime: JSON.parse(harness.runtimes[i]) };
  const version = 'reply' in input ? definition.events.get(input.reply.type)!.version : 1;
  return 'timer' in input
    ? engine.fireTimer(definition, harness.sagaId, saga, input.timer)
    : engine.receive(definition, harness.sagaId, saga, { ...input.reply, version });
}

describe('A saga snapshot taken at any step', () => {
  describe.each(PATHS)('on the path "$path"', ({ steps, ends }) => {
    let run: ReturnType<typeof drive>;
    beforeAll(() => {
      run = drive(steps);
    });

    it(`records one snapshot per accepted input and ends ${ends}`, () => {
      expect(run.harness.snapshots).toHaveLength(run.transitions.length + 1);
      expect(run.harness.states).toHaveLength(run.harness.snapshots.length);
      expect(run.harness.status).toBe(ends);
    });

    it('is stable under JSON.parse and JSON.stringify, with the engine state beside it', () => {
      for (const json of [...run.harness.snapshots, ...run.harness.runtimes]) {
        expect(JSON.stringify(JSON.parse(json))).toBe(json);
      }
    });

    it('continues identically when restored into a fresh engine', () => {
      const { harness, transitions } = run;
      transitions.forEach(({ input, commands }, i) => {
        const outcome = replay(harness, i, input);

        expect(outcome.accepted).toBe(true);
        expect(outcome.stateValue).toEqual(harness.states[i + 1]);
        expect(wire(outcome.commands)).toEqual(commands);
        expect(JSON.stringify(outcome.snapshot)).toBe(harness.snapshots[i + 1]);
      });
    });
  });
});
