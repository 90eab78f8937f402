import {
  SagaRegistry,
  SagaVersionUnavailableError,
  command,
  defaultTopicNames,
  defineSaga,
  event,
  sendCommand,
  uuidv7,
  type MessageEnvelope,
  type SagaDefinition,
  type SagaEvent,
} from '@baton/core';
import { SagaRepository, SagaStepUnitOfWork, createBatonDataSource } from '@baton/postgres';
import type { DataSource } from 'typeorm';
import { assign, setup } from 'xstate';
import { z } from 'zod';
import { TEST_DATABASE_URL, TestSchema } from './support/test-database';

/**
 * Redeploying a saga while instances run, at the step transaction against
 * the real PostgreSQL: an instance keeps the definition version it started
 * on, and messages written against older or newer contract versions still
 * reach it. Each "host" is a unit of work with its own registry.
 */

// --- messages ------------------------------------------------------------------

const Parcel = z.object({ parcelId: z.string() });

const Ship = command('Ship', { participant: 'shipping', schema: Parcel });
const CheckAddress = command('CheckAddress', { participant: 'shipping', schema: Parcel });
const Shipped = event('Shipped', { schema: z.object({}) });
const AddressChecked = event('AddressChecked', { schema: z.object({}) });

/** Version 2 calls the field trackingId and may name the carrier; version 1 senders still send `{ tracking }`. */
const ShippedWithTracking = event('Shipped', {
  version: 2,
  schema: z.object({ trackingId: z.string(), carrier: z.string().optional() }),
  upcast: (payload, fromVersion) => (fromVersion === 1 ? { trackingId: (payload as { tracking: string }).tracking } : payload),
});

// --- sagas ---------------------------------------------------------------------

interface ParcelContext {
  parcelId: string;
  trackingId?: string;
  carrier?: string;
}

const parcelMachine = setup({
  types: { context: {} as ParcelContext, input: {} as z.infer<typeof Parcel>, events: {} as SagaEvent },
});
const fromInput = ({ input }: { input: z.infer<typeof Parcel> }): ParcelContext => ({ parcelId: input.parcelId });
const ship = sendCommand<ParcelContext, typeof Ship>(Ship, ({ context }) => ({ parcelId: context.parcelId }));
const checkAddress = sendCommand<ParcelContext, typeof CheckAddress>(CheckAddress, ({ context }) => ({
  parcelId: context.parcelId,
}));

/** v1: ships at once. */
const deliveryV1 = defineSaga({
  name: 'parcel-delivery',
  version: 1,
  input: Parcel,
  commands: [Ship],
  events: [Shipped],
  machine: parcelMachine.createMachine({
    id: 'parcel-delivery',
    context: fromInput,
    initial: 'requested',
    states: { requested: { entry: ship, on: { Shipped: 'done' } }, done: { type: 'final' } },
  }),
});

/** v2: checks the address first, then ships as v1 does. */
const deliveryV2 = defineSaga({
  name: 'parcel-delivery',
  version: 2,
  input: Parcel,
  commands: [CheckAddress, Ship],
  events: [AddressChecked, Shipped],
  machine: parcelMachine.createMachine({
    id: 'parcel-delivery',
    context: fromInput,
    initial: 'checking',
    states: {
      checking: { entry: checkAddress, on: { AddressChecked: 'requested' } },
      requested: { entry: ship, on: { Shipped: 'done' } },
      done: { type: 'final' },
    },
  }),
});

/** Keeps what the carrier reported about the shipment. */
const tracking = defineSaga({
  name: 'parcel-tracking',
  version: 1,
  input: Parcel,
  commands: [Ship],
  events: [ShippedWithTracking],
  machine: parcelMachine.createMachine({
    id: 'parcel-tracking',
    context: fromInput,
    initial: 'shipping',
    states: {
      shipping: {
        entry: ship,
        on: { Shipped: { target: 'done', actions: assign(({ event }) => event.payload as Partial<ParcelContext>) } },
      },
      done: { type: 'final' },
    },
  }),
});

// --- a database and hosts on it --------------------------------------------------

const topics = defaultTopicNames();

let schema: TestSchema;
let dataSource: DataSource;

beforeAll(async () => {
  schema = await TestSchema.create('versions');
  dataSource = await createBatonDataSource({ url: TEST_DATABASE_URL, schema: schema.name, poolSize: 3 });
});

afterAll(async () => {
  await dataSource?.destroy();
  await schema?.drop();
});

/** A host that was deployed with these definitions. */
function hostWith(...definitions: SagaDefinition[]): SagaStepUnitOfWork {
  return new SagaStepUnitOfWork({ dataSource, registry: new SagaRegistry(definitions), topics });
}

async function startParcel(host: SagaStepUnitOfWork, name: string, parcelId: string): Promise<string> {
  return (await host.start({ name, input: { parcelId } })).sagaId;
}

function envelope(sagaId: string, sagaName: string, message: Pick<MessageEnvelope, 'type' | 'version' | 'payload'>): MessageEnvelope {
  return { messageId: uuidv7(), sagaId, sagaName, correlationId: sagaId, sentAt: new Date().toISOString(), ...message };
}

const shipped = (sagaId: string) => envelope(sagaId, 'parcel-delivery', { type: 'Shipped', version: 1, payload: {} });

async function sagaRow(sagaId: string): Promise<Record<string, unknown>> {
  const [row] = await dataSource.query(
    `SELECT definition_version, status, state_value, version, snapshot, runtime FROM baton_saga WHERE id = $1`,
    [sagaId],
  );
  return row;
}

/** Runs `attempt` and returns what it rejected with. */
async function rejectionOf(attempt: Promise<unknown>): Promise<Error> {
  return attempt.then(
    () => {
      throw new Error('expected the attempt to be rejected');
    },
    (error: Error) => error,
  );
}

// --- behaviour -------------------------------------------------------------------

describe('An instance started on v1', () => {
  it('finishes on v1 after v2 is deployed, while new starts use v2', async () => {
    const a = await startParcel(hostWith(deliveryV1), 'parcel-delivery', 'parcel-a');
    expect(await sagaRow(a)).toMatchObject({ definition_version: 1, state_value: 'requested' });

    const redeployed = hostWith(deliveryV1, deliveryV2);
    const b = await startParcel(redeployed, 'parcel-delivery', 'parcel-b');
    expect(await sagaRow(b)).toMatchObject({ definition_version: 2, state_value: 'checking' });

    expect(await redeployed.deliver(shipped(a), 'test')).toBe('applied');
    expect(await sagaRow(a)).toMatchObject({ definition_version: 1, state_value: 'done', status: 'completed' });

    // Each ran its own version's machine: v1 shipped at once, v2 checks the address first.
    const commands: Array<{ saga_id: string; message_type: string }> = await dataSource.query(
      `SELECT saga_id, message_type FROM baton_outbox WHERE saga_id = ANY($1::uuid[]) ORDER BY id`,
      [[a, b]],
    );
    expect(commands).toEqual([
      { saga_id: a, message_type: 'Ship' },
      { saga_id: b, message_type: 'CheckAddress' },
    ]);
    const listed = await new SagaRepository(dataSource).list({ name: 'parcel-delivery', limit: 500 });
    expect(
      listed.filter((saga) => saga.id === a || saga.id === b).map(({ id, definitionVersion, status }) => ({ id, definitionVersion, status })),
    ).toEqual([
      { id: b, definitionVersion: 2, status: 'running' },
      { id: a, definitionVersion: 1, status: 'completed' },
    ]);
  });
});

describe('A host without the version an instance started on', () => {
  it('leaves it untouched and says which version it needs', async () => {
    const sagaId = await startParcel(hostWith(deliveryV1), 'parcel-delivery', 'parcel-c');
    const before = await sagaRow(sagaId);
    const message = shipped(sagaId);

    const refusal = await rejectionOf(hostWith(deliveryV2).deliver(message, 'test'));

    expect(refusal).toBeInstanceOf(SagaVersionUnavailableError);
    expect(refusal).toMatchObject({ sagaName: 'parcel-delivery', sagaVersion: 1, sagaId, available: [2] });
    expect(refusal.message).toMatch(new RegExp(`^Saga "parcel-delivery" instance ${sagaId} runs on v1\\b`));
    expect(await sagaRow(sagaId)).toEqual(before);
    const [inbox] = await dataSource.query(`SELECT count(*) AS n FROM baton_inbox WHERE message_id = $1`, [message.messageId]);
    expect(Number(inbox.n)).toBe(0);
    // Left for a host that has v1, which then applies it as if it were new.
    expect(await hostWith(deliveryV1, deliveryV2).deliver(message, 'test')).toBe('applied');
  });
});

describe('An older message version', () => {
  it('is upcast before the saga sees it, and a newer optional field is accepted', async () => {
    const host = hostWith(tracking);
    const older = await startParcel(host, 'parcel-tracking', 'parcel-1');
    const newer = await startParcel(host, 'parcel-tracking', 'parcel-2');

    const v1 = { type: 'Shipped', version: 1, payload: { tracking: 'T-1' } };
    const v3 = { type: 'Shipped', version: 3, payload: { trackingId: 'T-2', carrier: 'DHL', insuredValue: 10 } };
    expect(await host.deliver(envelope(older, 'parcel-tracking', v1), 'test')).toBe('applied');
    expect(await host.deliver(envelope(newer, 'parcel-tracking', v3), 'test')).toBe('applied');

    const sagas: Array<{ id: string; state_value: unknown; context: unknown }> = await dataSource.query(
      `SELECT id, state_value, snapshot->'context' AS context FROM baton_saga WHERE id = ANY($1::uuid[]) ORDER BY id`,
      [[older, newer]],
    );
    // The field this version does not know is dropped by the schema, not kept in the context.
    expect(sagas).toEqual([
      { id: older, state_value: 'done', context: { parcelId: 'parcel-1', trackingId: 'T-1' } },
      { id: newer, state_value: 'done', context: { parcelId: 'parcel-2', trackingId: 'T-2', carrier: 'DHL' } },
    ]);
  });
});
