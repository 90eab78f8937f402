import { randomUUID } from 'node:crypto';
import request from 'supertest';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { MessageEnvelope } from '@baton/core';
import type { HistoryEntryView, SagaView } from '@baton/nest';
import { DeadLetterRepository } from '@baton/postgres';
import { uuidv7 } from '@baton/core';
import { launchChromium, screenshot, WINDOWS } from './support/browser';
import { eventually, orderFor, type OrderScenario } from './support/orders';
import { startTestApp, type RunningTestApp } from './support/test-app';

/**
 * The console in a real browser (Debian's Chromium through playwright-core)
 * against the host on PGlite with the example participants: what an
 * operator does at 3 a.m., click by click, and what a reader may not.
 * Screenshots of each main view, narrow and wide, go to artifacts/console/.
 */

const OPERATOR_KEY = `op-${randomUUID()}`;
const READER_KEY = `rd-${randomUUID()}`;
const API_KEYS = `ops:${OPERATOR_KEY}:operator,dash:${READER_KEY}:reader`;

let host: RunningTestApp;
let base: string;
let browser: Browser;

beforeAll(async () => {
  // Unresponsive payments wait (no timeout in the test), so a saga stays running until a reply comes.
  host = await startTestApp('pglite', { API_KEYS, ORDER_PAYMENT_TIMEOUT_MS: '600000' });
  const address = host.server.address() as { port: number };
  base = `http://127.0.0.1:${address.port}`;
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
});

const api = () => request(host.server);
const asOperator = (path: string, body: object = {}) =>
  api().post(path).set('authorization', `Bearer ${OPERATOR_KEY}`).set('content-type', 'application/json').send(body);
const sagaOf = async (id: string): Promise<SagaView> => (await api().get(`/sagas/${id}`).expect(200)).body;
const historyOf = async (id: string): Promise<HistoryEntryView[]> => (await api().get(`/sagas/${id}/history`).expect(200)).body.items;

async function startOrder(scenario: OrderScenario, change: (order: ReturnType<typeof orderFor>) => void = () => undefined): Promise<{ id: string; orderId: string }> {
  const orderId = `console-${scenario}-${randomUUID().slice(0, 8)}`;
  const order = orderFor(scenario, orderId);
  change(order);
  const response = await asOperator('/sagas/order-fulfillment', order).expect(202);
  return { id: response.body.id, orderId };
}

function statusOf(id: string, status: string): Promise<SagaView> {
  return eventually(async () => {
    const saga = await sagaOf(id);
    return saga.status === status ? saga : undefined;
  }, 60_000, `saga ${id} to be ${status}`);
}

/** A page of the console, signed in with `key` (typed into the key dialog, as a user does). */
async function consolePage(key: string | null, window: keyof typeof WINDOWS = 'wide'): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({ viewport: WINDOWS[window] });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${base}/console/`);
  await page.locator('.topbar').waitFor();
  if (key) {
    await page.locator('button.who').click();
    await page.locator('dialog input[name="apiKey"]').fill(key);
    await page.locator('dialog button[type="submit"]').click();
    await page.locator('dialog').waitFor({ state: 'detached' });
  }
  (page as Page & { errors?: string[] }).errors = errors;
  return { context, page };
}

const pageErrors = (page: Page) => (page as Page & { errors?: string[] }).errors ?? [];

describe('The console', () => {
  it('is served at /console/ with a strict content security policy, its script and style from the host', async () => {
    const redirect = await api().get('/console').expect(308);
    expect(redirect.headers.location).toBe('/console/');
    const page = await api().get('/console/').expect(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.text).toContain('console.js');
    await api().get('/console/console.js').expect(200).expect('content-type', /javascript/);
    await api().get('/console/config.json').expect(200, { apiBase: '', traceUrl: null });
    await api().get('/console/..%2Fpackage.json').expect(404);
  });

  it('lists sagas, filters to a compensated one, and shows its compensation path on the statechart', async () => {
    const refused = await startOrder('payment-refused');
    await statusOf(refused.id, 'compensated');
    const { context, page } = await consolePage(OPERATOR_KEY);
    try {
      await page.locator('table.sagas tbody tr').first().waitFor();
      await screenshot(page, 'list-wide');

      await page.locator('select[name="status"]').selectOption('compensated');
      await page.locator('input[name="inputField"]').fill('orderId');
      await page.locator('input[name="inputValue"]').fill(refused.orderId);
      await page.locator('form.filters button[type="submit"]').click();
      const row = page.locator(`table.sagas tr[data-id="${refused.id}"]`);
      await row.waitFor();
      expect(await page.locator('table.sagas tbody tr[data-id]').count()).toBe(1);
      expect(await row.getAttribute('data-status')).toBe('compensated');

      await row.locator('a').first().click();
      await page.locator('.diagram[data-loaded="true"]').waitFor();
      const svg = page.locator('.diagram svg');
      // Where it ended, the compensation it went through, and the transitions it took to get there.
      await svg.locator('[id="state:order-fulfillment.compensated"].is-active').waitFor();
      expect(await svg.locator('[id="state:order-fulfillment.compensating"]').getAttribute('class')).toEqual(
        expect.stringMatching(/\bbaton-compensation\b.*\bis-visited\b|\bis-visited\b.*\bbaton-compensation\b/),
      );
      expect(await svg.locator('.baton-transition.is-taken').count()).toBeGreaterThanOrEqual(3);
      expect(await svg.locator('[id="state:order-fulfillment.completed"].is-visited').count()).toBe(0);
      await expect(page.locator('table.timeline tr[data-event="PaymentRefused"]').count()).resolves.toBe(1);
      await screenshot(page, 'saga-compensated-wide');
      expect(pageErrors(page)).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it('follows a running saga live until it completes, and replays a dead letter from the dead letters view', async () => {
    const waiting = await startOrder('payment-times-out');
    const history = await eventually(async () => {
      const items = await historyOf(waiting.id);
      return items.some((entry) => entry.event === 'StockReserved') ? items : undefined;
    }, 60_000, 'the stock to be reserved');
    const authorize = history.flatMap((entry) => entry.commands).find((command) => command.type === 'AuthorizePayment')!;
    // The payment's answer, dead-lettered as if the database had been away when it came.
    const envelope: MessageEnvelope = {
      messageId: uuidv7(),
      type: 'PaymentAuthorized',
      version: 1,
      sagaId: waiting.id,
      sagaName: 'order-fulfillment',
      correlationId: waiting.id,
      causationId: authorize.messageId,
      sentAt: new Date().toISOString(),
      payload: { authorizationId: 'auth-from-console' },
    };
    await host.app.get(DeadLetterRepository).record('orchestrator', { topic: 'saga.replies', reason: 'Connection terminated unexpectedly', attempts: 5, envelope });
    const letterId = (await api().get('/dead-letters').query({ reason: 'Connection terminated' }).expect(200)).body.items[0].id as string;

    const watcher = await consolePage(OPERATOR_KEY);
    const operator = await consolePage(OPERATOR_KEY);
    try {
      await watcher.page.goto(`${base}/console/#/sagas/${waiting.id}`);
      await watcher.page.locator('.badge[data-status="running"]').first().waitFor();
      await watcher.page.locator('.live[data-live="live"]').waitFor();
      await watcher.page.evaluate(() => ((globalThis as unknown as { notReloaded: boolean }).notReloaded = true));

      await operator.page.goto(`${base}/console/#/dead-letters`);
      const row = operator.page.locator(`table.letters tr[data-id="${letterId}"]`);
      await row.waitFor();
      await screenshot(operator.page, 'dead-letters-wide');
      await row.locator('a').click();
      await operator.page.locator('.panel .json-block').first().waitFor();
      await screenshot(operator.page, 'dead-letter-open-wide');
      await operator.page.locator('.panel button', { hasText: 'Replay' }).click();
      await operator.page.locator('dialog button[type="submit"]').click();
      await operator.page.locator('.panel .notice', { hasText: 'Replayed: applied' }).waitFor();
      expect(await operator.page.locator('[data-testid="letter-status"]').textContent()).toBe('replayed');

      // The watching page moved by itself: no reload, the stream brought the steps.
      await watcher.page.locator('.saga-head .badge[data-status="completed"]').waitFor({ timeout: 60_000 });
      expect(await watcher.page.evaluate(() => (globalThis as unknown as { notReloaded?: boolean }).notReloaded)).toBe(true);
      await watcher.page.locator('table.timeline tr[data-event="PaymentAuthorized"]').waitFor();
      await screenshot(watcher.page, 'saga-completed-live-wide');
      expect([...pageErrors(watcher.page), ...pageErrors(operator.page)]).toEqual([]);
    } finally {
      await watcher.context.close();
      await operator.context.close();
    }
    expect((await sagaOf(waiting.id)).status).toBe('completed');
  });

  it('shows the bytes of a message that could not be decoded as text and hex, never as markup', async () => {
    const markup = '<img src=x onerror="document.body.dataset.owned=1">';
    await host.app.get(DeadLetterRepository).record('orchestrator', {
      topic: 'saga.replies',
      reason: 'the value is not valid UTF-8',
      attempts: 1,
      raw: {
        key: Buffer.from('k-1'),
        value: Buffer.concat([Buffer.from(markup), Buffer.from([0x00, 0xff, 0xfe])]),
        headers: [{ name: 'message-type', value: Buffer.from('<script>alert(1)</script>') }],
      },
    });
    const letterId = (await api().get('/dead-letters').query({ reason: 'not valid UTF-8' }).expect(200)).body.items[0].id as string;
    const { context, page } = await consolePage(OPERATOR_KEY);
    try {
      await page.goto(`${base}/console/#/dead-letters?open=${letterId}`);
      // The value's bytes are open; the key's and headers' fold.
      await page.locator('.panel pre.hex').nth(1).waitFor();
      // The value is not UTF-8: hex and printable characters only, its markup as text.
      expect(await page.locator('.panel details.bytes').nth(1).locator('summary').textContent()).toContain('not UTF-8');
      expect(await page.locator('.panel pre.hex').nth(1).textContent()).toContain('3c 69 6d 67');
      await page.locator('.panel summary', { hasText: 'header message-type' }).click();
      await page.locator('.panel pre.raw-text', { hasText: '<script>alert(1)</script>' }).waitFor();
      expect(await page.locator('.panel img, .panel script').count()).toBe(0);
      expect(await page.evaluate(() => (globalThis as unknown as { document: { body: { dataset: Record<string, string> } } }).document.body.dataset.owned)).toBeUndefined();
      await screenshot(page, 'dead-letter-raw-wide');
    } finally {
      await context.close();
    }
  });

  it('sends a signal from the form generated from its schema, recorded in the history with who sent it', async () => {
    const waiting = await startOrder('payment-times-out');
    await eventually(async () => ((await sagaOf(waiting.id)).signalsAcceptedNow?.includes('AbortRequested') ? true : undefined), 60_000, 'the saga to accept AbortRequested');
    const { context, page } = await consolePage(OPERATOR_KEY);
    try {
      await page.goto(`${base}/console/#/sagas/${waiting.id}`);
      await page.locator('button.signal', { hasText: 'AbortRequested' }).click();
      await page.locator('dialog input[name="reason"]').fill('customer called to cancel');
      await page.locator('dialog input[name="by"]').fill('night shift');
      await screenshot(page, 'signal-form-wide');
      await page.locator('dialog button[type="submit"]').click();
      await page.locator('.notice', { hasText: 'Signal AbortRequested sent' }).waitFor();
    } finally {
      await context.close();
    }
    const signal = (await historyOf(waiting.id)).find((entry) => entry.event === 'AbortRequested');
    expect(signal).toEqual(expect.objectContaining({ kind: 'signal', actor: 'operator:ops' }));
  });

  it('retries a stuck compensation with a reason, and the saga finishes compensating', async () => {
    const stuck = await startOrder('payment-refused', (order) => (order.items = [{ sku: 'STUCK-LAMP', quantity: 1 }]));
    await statusOf(stuck.id, 'stuck');
    const { context, page } = await consolePage(OPERATOR_KEY);
    try {
      await page.goto(`${base}/console/#/sagas/${stuck.id}`);
      await page.locator('.incident').waitFor();
      await page.locator('.diagram[data-loaded="true"]').waitFor();
      await screenshot(page, 'saga-stuck-wide');
      await page.locator('.actions button', { hasText: 'Retry now' }).click();
      await page.locator('dialog textarea[name="reason"]').fill('inventory service is back');
      await page.locator('dialog button[type="submit"]').click();
      await page.locator('.saga-head .badge[data-status="compensated"]').waitFor({ timeout: 60_000 });
    } finally {
      await context.close();
    }
    expect((await historyOf(stuck.id)).some((entry) => entry.note?.startsWith('inventory service is back'))).toBe(true);
  });

  it('shows a reader no action, and the API refuses what a reader forges', async () => {
    const waiting = await startOrder('payment-times-out');
    await eventually(async () => ((await sagaOf(waiting.id)).signalsAcceptedNow?.length ? true : undefined), 60_000, 'the saga to wait for its payment');
    const { context, page } = await consolePage(READER_KEY);
    try {
      expect(await page.locator('button.who').getAttribute('data-role')).toBe('reader');
      await page.goto(`${base}/console/#/sagas/${waiting.id}`);
      await page.locator('.saga-head').waitFor();
      await page.locator('text=Your key may read, not act.').waitFor();
      expect(await page.locator('section.actions button').count()).toBe(0);
      await page.goto(`${base}/console/#/sagas`);
      await page.locator('table.sagas tbody tr').first().waitFor();
      expect(await page.locator('input[type="checkbox"]').count()).toBe(0);
      expect(await page.locator('text=Abort selected').count()).toBe(0);
      await page.goto(`${base}/console/#/dead-letters`);
      await page.locator('table.letters').waitFor();
      expect(await page.locator('text=Replay selected').count()).toBe(0);

      // What the page would send if someone forged a click: the API says no, and nothing changes.
      const forged = await page.evaluate(
        async ([id, key]) => {
          const response = await fetch(`/sagas/${id}/abort`, {
            method: 'POST',
            headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
            body: JSON.stringify({ reason: 'forged' }),
          });
          const anonymous = await fetch(`/sagas/${id}/abort`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"reason":"forged"}' });
          return [response.status, anonymous.status];
        },
        [waiting.id, READER_KEY],
      );
      expect(forged).toEqual([403, 401]);
    } finally {
      await context.close();
    }
    expect((await historyOf(waiting.id)).some((entry) => entry.event === 'AbortRequested')).toBe(false);
  });

  it('shows the overview and the definitions, and every main view fits a narrow window', async () => {
    const { context, page } = await consolePage(OPERATOR_KEY);
    try {
      await page.goto(`${base}/console/#/overview`);
      await page.locator('.sparks .spark').first().waitFor();
      expect(await page.locator('.sparks .spark').count()).toBe(7);
      await page.locator('.cards .card').first().waitFor();
      await screenshot(page, 'overview-wide');
      await page.goto(`${base}/console/#/definitions/order-fulfillment`);
      await page.locator('.diagram[data-loaded="true"]').waitFor();
      await page.locator('details.contract[data-type="ReserveStock"]').waitFor();
      await screenshot(page, 'definitions-wide');
    } finally {
      await context.close();
    }
    const narrow = await consolePage(OPERATOR_KEY, 'narrow');
    try {
      const anySaga = (await api().get('/sagas').query({ status: 'compensated', limit: 1 }).expect(200)).body.items[0].id as string;
      for (const [view, ready] of [
        ['sagas', 'table.sagas tbody tr'],
        [`sagas/${anySaga}`, '.diagram[data-loaded="true"]'],
        ['dead-letters', 'table.letters'],
        ['overview', '.sparks .spark'],
      ] as const) {
        await narrow.page.goto(`${base}/console/#/${view}`);
        await narrow.page.locator(ready).first().waitFor();
        // Nothing wider than the window but the tables and the diagram, which scroll in their own frames.
        const overflow = await narrow.page.evaluate(() => {
          const root = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
          return root.scrollWidth - root.clientWidth;
        });
        expect({ view, overflow }).toEqual({ view, overflow: 0 });
        await screenshot(narrow.page, `${view.split('/')[0] === 'sagas' && view.includes('/') ? 'saga' : view}-narrow`);
      }
      expect(pageErrors(narrow.page)).toEqual([]);
    } finally {
      await narrow.context.close();
    }
  });
});
