import { Controller, Injectable, Module, UseGuards, type CanActivate, type ExecutionContext, type INestApplication, type INestMicroservice } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, MessagePattern, Payload, RpcException } from '@nestjs/microservices';
import { firstValueFrom, of } from 'rxjs';
import {
  DependencyUnavailableError,
  InProcessTransport,
  defaultTopicNames,
  uuidv7,
  type DeadLetterSink,
  type MessageEnvelope,
  type PayloadOf,
} from '@baton/core';
import {
  BatonContext,
  BatonServer,
  DuplicateCommandHandlerError,
  InvalidCommandPatternError,
  TransientCommandError,
  reply,
  type BatonServerParts,
  type CommandContext,
} from '@baton/participant';
import {
  AuthorizePayment,
  PaymentAuthorized,
  ReleaseStock,
  ReserveStock,
  StockRefused,
  StockReleased,
  StockReserved,
} from '@example/order-fulfillment-contracts';
import type { DataSource } from 'typeorm';
import { orderCommand, replyAnswering } from './support/envelopes';
import { eventually } from './support/orders';
import { participantDatabase } from './support/participant-database';
import { TEST_DATABASE_URL, type TestSchema } from './support/test-database';

/**
 * `@MessagePattern` handlers run as participant command handlers by
 * BatonServer, a NestJS transport strategy, on the in-process transport and
 * the real PostgreSQL. The test plays the orchestrator: it publishes
 * commands to the participants' command topics (the publish resolves once
 * the command's transaction committed, or rejects as a broker delivery
 * would fail) and reads the replies the participants' relay publishes.
 */

const topics = defaultTopicNames();
const quiet = { log: () => undefined, warn: () => undefined, error: () => undefined };
let schema: TestSchema;
let dataSource: DataSource;

/** Every run of a handler, by order id, committed or not. */
const runs: string[] = [];
/** Orders whose reservation fails transiently while they are in here. */
const flaky = new Set<string>();
/** Orders whose reservation kills its own database connection while they are in here. */
const cutOff = new Set<string>();
const ranFor = (orderId: string) => runs.filter((id) => id === orderId).length;

/** Refuses commands of the saga "blocked-saga" (Nest turns a false guard into RpcException('Forbidden resource')). */
@Injectable()
class NoBlockedSagas implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    return context.switchToRpc().getContext<BatonContext>().getEnvelope().sagaName !== 'blocked-saga';
  }
}

@Controller()
@UseGuards(NoBlockedSagas)
class InventoryController {
  /**
   * Order ids say how it goes: "flaky-" fails transiently while in `flaky`,
   * "blocked-" is refused (an RpcException), "boom-" throws, one in `cutOff` kills
   * its own database connection, "silent-" answers nothing, "wrong-"
   * returns something that is not a reply, "stream-" answers with an
   * observable of two replies (the last one counts).
   */
  @MessagePattern(ReserveStock)
  async reserve(@Payload() { orderId }: PayloadOf<typeof ReserveStock>, @Ctx() ctx: BatonContext) {
    runs.push(orderId);
    await ctx.getTransaction().query(`INSERT INTO reservations (order_id, command_id) VALUES ($1, $2)`, [orderId, ctx.getEnvelope().messageId]);
    if (flaky.has(orderId)) throw new TransientCommandError('the warehouse system did not answer');
    if (orderId.startsWith('blocked-')) throw new RpcException(`order ${orderId} is blocked`);
    if (orderId.startsWith('boom-')) throw new Error('the handler has a bug');
    if (cutOff.has(orderId)) await ctx.tx.query('SELECT pg_terminate_backend(pg_backend_pid())');
    if (orderId.startsWith('silent-')) return undefined;
    if (orderId.startsWith('wrong-')) return { reservationId: 'not wrapped in reply()' };
    if (orderId.startsWith('stream-')) return of(reply(StockRefused, { reason: 'first' }), reply(StockReserved, { reservationId: `res-${orderId}` }));
    return reply(StockReserved, { reservationId: `res-${orderId}` });
  }

  /** Code written for @HandleCommand's CommandContext, with the context from @Ctx() (without it, Nest passes the payload alone). */
  @MessagePattern(ReleaseStock)
  async release(@Payload() { orderId }: PayloadOf<typeof ReleaseStock>, @Ctx() { tx, compensates }: CommandContext) {
    runs.push(orderId);
    const [{ n }] = await tx.query(`SELECT count(*)::int AS n FROM reservations WHERE order_id = $1`, [orderId]);
    return reply(StockReleased, { released: !!compensates?.applied && n > 0 });
  }
}

@Controller()
class PaymentController {
  /** By its type: the contract is in BatonServer's `commands`. */
  @MessagePattern('AuthorizePayment')
  async authorize(@Payload() { orderId }: PayloadOf<typeof AuthorizePayment>, @Ctx() ctx: BatonContext) {
    runs.push(orderId);
    ctx.append('reservations', { order_id: orderId, command_id: ctx.envelope.messageId });
    return reply(PaymentAuthorized, { authorizationId: `auth-${orderId}-${ctx.getParticipant()}` });
  }
}

@Module({ controllers: [InventoryController, PaymentController], providers: [NoBlockedSagas] })
class ParticipantsModule {}

/** A dead-letter sink for the test's own subscriptions, which never dead-letter. */
const noDeadLetters: DeadLetterSink = {
  record: async (letter) => {
    throw new Error(`unexpected dead letter: ${letter.reason}`);
  },
};

/** A transport with the test's orchestrator subscribed to the reply topics: what it gets, in order. */
async function orchestrator(): Promise<{ transport: InProcessTransport; replies: Array<{ topic: string; envelope: MessageEnvelope }> }> {
  const transport = new InProcessTransport();
  const replies: Array<{ topic: string; envelope: MessageEnvelope }> = [];
  for (const topic of [topics.replies, CUSTOM_REPLIES]) {
    await transport.subscribe(topic, async (envelope) => void replies.push({ topic, envelope }), { deadLetters: noDeadLetters });
  }
  return { transport, replies };
}

const CUSTOM_REPLIES = 'orders-east.saga.replies';

function serverOn(transport: InProcessTransport): BatonServer {
  return new BatonServer({
    database: { url: TEST_DATABASE_URL, schema: schema.name, poolSize: 4 },
    transport,
    commands: [AuthorizePayment],
    logger: quiet,
  });
}

let app: INestMicroservice;
let server: BatonServer;
let transport: InProcessTransport;
let replies: Array<{ topic: string; envelope: MessageEnvelope }>;

beforeAll(async () => {
  ({ schema, dataSource } = await participantDatabase('participant_microservice'));
  ({ transport, replies } = await orchestrator());
  server = serverOn(transport);
  app = await NestFactory.createMicroservice(ParticipantsModule, { strategy: server, logger: false });
  await app.listen();
});

afterAll(async () => {
  await app?.close();
  await dataSource?.destroy();
  await schema?.drop();
});

const reserve = (orderId: string, sagaId?: string, extra: Partial<MessageEnvelope> = {}) =>
  orderCommand(ReserveStock, { orderId, items: [{ sku: 'BOOK-1', quantity: 1 }] }, sagaId, extra);

/** Delivers a command as a broker would: resolves once handled (or dead-lettered), rejects when the delivery failed. */
function deliver(command: MessageEnvelope, to: InProcessTransport = transport): Promise<void> {
  const participant = command.type === 'AuthorizePayment' ? 'payment' : 'inventory';
  return to.publish(topics.commands(participant), command);
}

/** The replies to `command` published so far, once there are `count`. */
function repliesTo(command: MessageEnvelope, count = 1, from = () => replies) {
  return eventually(
    async () => {
      const found = from().filter(({ envelope }) => envelope.causationId === command.messageId);
      return found.length >= count ? found : undefined;
    },
    30_000,
    `${count} replies to ${command.type} ${command.messageId}`,
  );
}

async function rows(text: string, params: unknown[] = []): Promise<any[]> {
  return dataSource.query(text, params);
}

const inboxed = async (command: MessageEnvelope) => (await rows(`SELECT participant FROM participant_inbox WHERE message_id = $1`, [command.messageId])).map((r) => r.participant);
const reservationsOf = async (orderId: string) => (await rows(`SELECT 1 FROM reservations WHERE order_id = $1`, [orderId])).length;

describe('A @MessagePattern handler on BatonServer', () => {
  it('handles the command its contract names and replies on its reply-to topic, with the headers stamped from the command', async () => {
    const command = reserve('plain-1', undefined, { replyTo: CUSTOM_REPLIES, correlationId: uuidv7() });
    await deliver(command);
    const [{ topic, envelope }] = await repliesTo(command);
    expect(topic).toBe(CUSTOM_REPLIES);
    expect(envelope).toEqual(replyAnswering(command, StockReserved, { reservationId: 'res-plain-1' }));
    expect(envelope.messageId).not.toBe(command.messageId);
    expect(await inboxed(command)).toEqual(['inventory']);
    expect(await reservationsOf('plain-1')).toBe(1);
  });

  it("handles a command named by its type, with the contract from `commands`, as its own participant's", async () => {
    const command = orderCommand(AuthorizePayment, { orderId: 'typed-1', customerId: 'c-1', amountCents: 1200, currency: 'EUR', paymentToken: 'tok' });
    await deliver(command);
    const [{ topic, envelope }] = await repliesTo(command);
    expect(topic).toBe(topics.replies);
    expect(envelope).toMatchObject({ type: 'PaymentAuthorized', causationId: command.messageId, payload: { authorizationId: 'auth-typed-1-payment' } });
    expect(await inboxed(command)).toEqual(['payment']);
    // Appended through the context, in the command's transaction.
    expect(await reservationsOf('typed-1')).toBe(1);
  });

  it('runs once for a command delivered twice: the copy gets the recorded reply, same message id', async () => {
    const command = reserve('twice-1');
    await deliver(command);
    await repliesTo(command);
    await deliver({ ...command, sentAt: new Date().toISOString() });
    const [first, again] = await repliesTo(command, 2);
    expect(again.envelope).toEqual(first.envelope);
    expect(ranFor('twice-1')).toBe(1);
    expect(await reservationsOf('twice-1')).toBe(1);
  });

  it('answers nothing when it returns nothing, and records the command', async () => {
    const command = reserve('silent-1');
    await deliver(command);
    expect(await inboxed(command)).toEqual(['inventory']);
    // A command answered after it, of the same saga, is answered after it would have been.
    const marker = reserve('marker-1', command.sagaId);
    await deliver(marker);
    await repliesTo(marker);
    expect(replies.filter(({ envelope }) => envelope.causationId === command.messageId)).toEqual([]);
  });

  it('replies with the last value an observable it returns emits', async () => {
    const command = reserve('stream-1');
    await deliver(command);
    const [{ envelope }] = await repliesTo(command);
    expect(envelope).toMatchObject({ type: 'StockReserved', payload: { reservationId: 'res-stream-1' } });
  });

  it("gets a CommandContext with @Ctx(), destructured as @HandleCommand's, on a compensation too", async () => {
    const forward = reserve('undo-1');
    await deliver(forward);
    await repliesTo(forward);
    const undo = orderCommand(ReleaseStock, { orderId: 'undo-1' }, forward.sagaId, { compensates: forward.messageId });
    await deliver(undo);
    const [{ envelope }] = await repliesTo(undo);
    expect(envelope).toMatchObject({ type: 'StockReleased', payload: { released: true } });
  });
});

describe('A @MessagePattern handler that fails', () => {
  it('with TransientCommandError: CommandFailed transient, nothing recorded, and the retry (same id) runs it again', async () => {
    const command = reserve('flaky-1');
    flaky.add('flaky-1');
    await deliver(command);
    const [{ envelope: failed }] = await repliesTo(command);
    expect(failed).toMatchObject({
      type: 'CommandFailed',
      causationId: command.messageId,
      payload: { command: 'ReserveStock', reason: 'the warehouse system did not answer', transient: true },
    });
    expect(await inboxed(command)).toEqual([]);
    expect(await reservationsOf('flaky-1')).toBe(0);

    flaky.delete('flaky-1');
    await deliver({ ...command });
    const [, { envelope: handled }] = await repliesTo(command, 2);
    expect(handled).toMatchObject({ type: 'StockReserved' });
    expect(ranFor('flaky-1')).toBe(2);
    expect(await reservationsOf('flaky-1')).toBe(1);
  });

  it('with an RpcException: CommandFailed not transient, its work rolled back, recorded, so a copy gets the same reply without running it', async () => {
    const command = reserve('blocked-1');
    await deliver(command);
    const [{ envelope: refusal }] = await repliesTo(command);
    expect(refusal).toMatchObject({
      type: 'CommandFailed',
      causationId: command.messageId,
      payload: { command: 'ReserveStock', reason: 'order blocked-1 is blocked', transient: false },
    });
    expect(await reservationsOf('blocked-1')).toBe(0);
    expect(await inboxed(command)).toEqual(['inventory']);

    await deliver({ ...command });
    const [, { envelope: again }] = await repliesTo(command, 2);
    expect(again).toEqual(refusal);
    expect(ranFor('blocked-1')).toBe(1);
  });

  it('unexpectedly: the delivery fails (the broker delivers it again), nothing is recorded or answered', async () => {
    const command = reserve('boom-1');
    await expect(deliver(command)).rejects.toThrow(/@MessagePattern handler of ReserveStock threw an unexpected exception/);
    await expect(deliver({ ...command })).rejects.toThrow(/unexpected exception/);
    expect(ranFor('boom-1')).toBe(2);
    expect(await inboxed(command)).toEqual([]);
    expect(await reservationsOf('boom-1')).toBe(0);
    // A later command of another saga is answered: nothing of this one was.
    const marker = reserve('marker-2');
    await deliver(marker);
    await repliesTo(marker);
    expect(replies.filter(({ envelope }) => envelope.causationId === command.messageId)).toEqual([]);
  });

  it('by returning something that is not a reply: as an unexpected exception, naming what it returned', async () => {
    const command = reserve('wrong-1');
    await expect(deliver(command)).rejects.toThrow(
      'The @MessagePattern handler of ReserveStock returned {"reservationId":"not wrapped in reply()"}: a command handler returns reply(Contract, payload)',
    );
    expect(await inboxed(command)).toEqual([]);
  });

  it('because its transaction lost the database: the transport is told to wait for the database, not to count an attempt', async () => {
    const command = reserve('cut-off-1');
    cutOff.add('cut-off-1');
    await expect(deliver(command)).rejects.toBeInstanceOf(DependencyUnavailableError);
    expect(await inboxed(command)).toEqual([]);
    // The database is back (the pool opens a new connection): the next delivery is handled.
    cutOff.delete('cut-off-1');
    await deliver({ ...command });
    const [{ envelope }] = await repliesTo(command);
    expect(envelope).toMatchObject({ type: 'StockReserved' });
    expect(await reservationsOf('cut-off-1')).toBe(1);
  });
});

describe('BatonServer before the handler', () => {
  it('dead-letters a command whose payload breaks its contract, without running the handler', async () => {
    const command = orderCommand(ReserveStock, { orderId: 'invalid-1' } as never);
    await deliver(command);
    const [letter] = await rows(`SELECT consumer, reason FROM participant_dead_letter WHERE message_id = $1`, [command.messageId]);
    expect(letter).toEqual({ consumer: 'participant:inventory', reason: expect.stringMatching(/^ReserveStock payload is invalid: items/) });
    expect(ranFor('invalid-1')).toBe(0);
    expect(await inboxed(command)).toEqual([]);
  });

  it("applies the controller's guard: a command it does not let through is refused (Nest's 'Forbidden resource') and recorded", async () => {
    const command = reserve('guarded-1', undefined, { sagaName: 'blocked-saga' });
    await deliver(command);
    const [{ envelope }] = await repliesTo(command);
    expect(envelope).toMatchObject({ type: 'CommandFailed', sagaName: 'blocked-saga', payload: { reason: 'Forbidden resource', transient: false } });
    expect(ranFor('guarded-1')).toBe(0);
    expect(await inboxed(command)).toEqual(['inventory']);
  });
});

describe('BatonServer as a Nest server', () => {
  it("files each handler under its command's type", () => {
    expect([...server.getHandlers().keys()].sort()).toEqual(['AuthorizePayment', 'ReleaseStock', 'ReserveStock']);
  });

  it('says it listens, and unwraps into its database, transport and workers', async () => {
    expect(await firstValueFrom(server.status)).toBe('listening');
    const parts = server.unwrap<BatonServerParts>();
    expect(parts.transport).toBe(transport);
    expect(parts.database.isInitialized).toBe(true);
    expect(parts.workers.map((worker) => worker.commandTopic).sort()).toEqual(['inventory.commands', 'payment.commands']);
  });

  it('refuses a listener of an event it does not emit, naming those it does', () => {
    expect(() => server.on('connect' as 'listening', () => undefined)).toThrow('BatonServer emits "listening" and "closed", not "connect"');
  });

  it('runs in a hybrid app (connectMicroservice, startAllMicroservices) and stops with app.close()', async () => {
    const { transport: own, replies: got } = await orchestrator();
    const hybrid: INestApplication = await NestFactory.create(ParticipantsModule, { logger: false });
    const strategy = serverOn(own);
    const events: string[] = [];
    strategy.on('listening', () => void events.push('listening'));
    strategy.on('closed', () => void events.push('closed'));
    hybrid.connectMicroservice({ strategy }, { inheritAppConfig: true });
    await hybrid.init();
    await hybrid.startAllMicroservices();
    const { database } = strategy.unwrap<BatonServerParts>();

    const command = orderCommand(AuthorizePayment, { orderId: 'hybrid-1', customerId: 'c-1', amountCents: 100, currency: 'EUR', paymentToken: 't' });
    await deliver(command, own);
    await repliesTo(command, 1, () => got);

    await hybrid.close();
    expect(events).toEqual(['listening', 'closed']);
    // It opened its database and closed it; it managed the transport and closed that too.
    expect(database.isInitialized).toBe(false);
    await expect(deliver(reserve('after-close'), own)).rejects.toThrow('The in-process transport is closed.');
    expect(() => strategy.unwrap()).toThrow('BatonServer is not listening');
  });
});

describe('BatonServer refuses to listen', () => {
  async function listenError(module: new () => unknown, options: { commands?: [] } = {}): Promise<unknown> {
    const { transport: own } = await orchestrator();
    const strategy = new BatonServer({ database: { url: TEST_DATABASE_URL, schema: schema.name, poolSize: 1 }, transport: own, logger: quiet, ...options });
    const ms = await NestFactory.createMicroservice(module, { strategy, logger: false });
    try {
      return await ms.listen().then(
        () => undefined,
        (error: unknown) => error,
      );
    } finally {
      await ms.close();
    }
  }

  it('with a type string whose contract it was not given, naming the pattern and the fix', async () => {
    @Controller()
    class ByType {
      @MessagePattern('ReserveStock')
      reserve() {}
    }
    @Module({ controllers: [ByType] })
    class ByTypeModule {}
    const error = await listenError(ByTypeModule);
    expect(error).toBeInstanceOf(InvalidCommandPatternError);
    expect((error as Error).message).toBe(
      "@MessagePattern('ReserveStock') names a command BatonServer has no contract for, so it cannot validate its payload: " +
        "pass the contract itself (@MessagePattern(ReserveStock), imported from the saga's contracts), or list it in BatonServer's `commands` option.",
    );
  });

  it('with an @EventPattern handler: commands are request/reply', async () => {
    @Controller()
    class ByEvent {
      @EventPattern(ReserveStock)
      reserve() {}
    }
    @Module({ controllers: [ByEvent] })
    class ByEventModule {}
    const error = await listenError(ByEventModule);
    expect(error).toBeInstanceOf(InvalidCommandPatternError);
    expect((error as Error).message).toMatch(
      /^@EventPattern\(ReserveStock\) cannot handle a Baton command: commands are request\/reply\. Use @MessagePattern\(ReserveStock\); .*returns nothing\.$/,
    );
  });

  it('with two handlers of one command', async () => {
    @Controller()
    class Twice {
      @MessagePattern(ReserveStock)
      one() {}
      @MessagePattern(ReserveStock)
      two() {}
    }
    @Module({ controllers: [Twice] })
    class TwiceModule {}
    const error = await listenError(TwiceModule);
    expect(error).toBeInstanceOf(DuplicateCommandHandlerError);
    expect((error as Error).message).toBe('Command ReserveStock has two handlers, one @MessagePattern(ReserveStock) and another @MessagePattern(ReserveStock); keep one.');
  });

  it('with a pattern that is no command', async () => {
    @Controller()
    class Other {
      @MessagePattern({ cmd: 'sum' })
      sum() {}
    }
    @Module({ controllers: [Other] })
    class OtherModule {}
    const error = await listenError(OtherModule);
    expect(error).toBeInstanceOf(InvalidCommandPatternError);
    expect((error as Error).message).toMatch(/^@MessagePattern\(\{"cmd":"sum"\}\) is not a Baton command: .* @MessagePattern\(pattern, Transport\.TCP\)\.$/);
  });
});
