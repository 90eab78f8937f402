import { readSagaChart } from '@baton/core';
import { createOrderFulfillmentSaga } from '@example/sagas';
import { indexChart, leafPaths, timerState, trailOf } from './chart';
import type { HistoryEntry, SagaChart } from './types';

const chart = indexChart(readSagaChart(createOrderFulfillmentSaga()) as unknown as SagaChart);
const transition = (source: string, match: (t: SagaChart['transitions'][number]) => boolean) =>
  chart.chart.transitions.find((t) => t.source === `order-fulfillment.${source}` && match(t))!.index;

let n = 0;
const entry = (event: string, from: unknown, to: unknown): HistoryEntry => ({
  id: String(++n),
  at: new Date(1_700_000_000_000 + n * 100).toISOString(),
  kind: 'message',
  event,
  messageId: null,
  actor: 'participant',
  from,
  to,
  status: 'running',
  version: n,
  commands: [],
});

describe("A saga's trail on its chart", () => {
  it('reads leaf paths of parallel and nested state values', () => {
    expect(leafPaths({ securing: { stock: 'reserved', payment: 'authorizing' } })).toEqual(['securing.stock.reserved', 'securing.payment.authorizing']);
    expect(leafPaths('completed')).toEqual(['completed']);
  });

  it('marks a refused payment, the join that failed and the compensation it went through, and nothing of the happy path', () => {
    const securing = { securing: { stock: 'reserving', payment: 'authorizing' } };
    const reserved = { securing: { stock: 'reserved', payment: 'authorizing' } };
    const history = [
      { ...entry('start', null, securing), kind: 'start' },
      entry('StockReserved', securing, reserved),
      entry('PaymentRefused', reserved, { compensating: 'undoing' }),
      entry('StockReleased', { compensating: 'undoing' }, 'compensated'),
    ];
    const trail = trailOf(chart, history, 'compensated');

    expect([...trail.active]).toEqual(['order-fulfillment.compensated']);
    // PaymentRefused went through payment.refused (a final state) within its step; the join's onDone took it to compensating.
    expect(trail.taken).toContain(transition('securing.payment.authorizing', (t) => t.event === 'PaymentRefused'));
    expect(trail.taken).toContain(transition('securing.stock.reserving', (t) => t.event === 'StockReserved'));
    expect(trail.taken).toContain(transition('securing', (t) => t.kind === 'done' && t.targets.includes('order-fulfillment.compensating')));
    expect(trail.visited).toContain('order-fulfillment.securing.payment.refused');
    expect(trail.visited).toContain('order-fulfillment.compensating.undoing');
    expect(trail.visited).not.toContain('order-fulfillment.shipping');
    // StockReleased left the engine to feed CompensationsCompleted: undoing → undone, then compensating's onDone.
    expect(trail.taken).toContain(transition('compensating.undoing', (t) => t.event === 'CompensationsCompleted'));
    expect(trail.visited).toContain('order-fulfillment.compensating.undone');
    expect(trail.taken).not.toContain(transition('securing.payment.authorizing', (t) => t.event === 'PaymentAuthorized'));
  });

  it('places an armed after-timer on its state', () => {
    expect(timerState(chart, 'xstate.after.paymentTimeout.order-fulfillment.securing.payment.authorizing')?.path).toEqual(['securing', 'payment', 'authorizing']);
    expect(timerState(chart, 'baton.retry.reserveStock')).toBeUndefined();
  });
});
