import { EventEmitter } from 'node:events';
import { Logger } from '@nestjs/common';
import { Server, type CustomTransportStrategy, type MessageHandler, type MsPattern } from '@nestjs/microservices';
import { lastValueFrom } from 'rxjs';
import type { DataSource, EntityManager } from 'typeorm';
import type { BatonLogger, Transport } from '@baton/core';
import { databaseUnavailable } from '@baton/postgres';
import { handleCommand, type CommandContext, type CommandHandler } from '../command-handler';
import { CommandRefusedError } from '../command-refused.error';
import { ParticipantRuntime } from '../participant-runtime';
import type { ParticipantWorker } from '../participant-worker';
import { TransientCommandError } from '../transient-command.error';
import { BatonContext } from './baton-context';
import type { BatonServerEvents, BatonServerStatus } from './baton-server-status';
import type { BatonServerOptions } from './baton-server.options';
import { BATON_TRANSPORT } from './baton-transport';
import { commandErrorOf, replyOf } from './command-outcome';
import { CommandPatterns, isCommandContract, type CommandPatternHandler } from './command-patterns';

/** What `BatonServer.unwrap()` returns: the parts the server runs on. */
export interface BatonServerParts {
  /** The participants' database (the one passed in, or the one the server opened). */
  readonly database: DataSource;
  /** The Baton transport commands arrive and replies leave by. */
  readonly transport: Transport;
  /** One worker per participant, subscribed to its command topic. */
  readonly workers: readonly ParticipantWorker[];
}

const EVENTS: ReadonlyArray<keyof BatonServerEvents> = ['listening', 'closed'];

/**
 * A NestJS microservice transport strategy that runs `@MessagePattern`
 * handlers as Baton participant command handlers, on the same machinery as
 * `@HandleCommand` (ParticipantRuntime): each command takes effect at most
 * once (inbox), its reply leaves only if its transaction commits (outbox),
 * commands that arrive together share a transaction, compensations fence the
 * command they undo. See docs/wire-protocol.md for what that means on the
 * wire.
 *
 * ```ts
 * const app = await NestFactory.createMicroservice(InventoryModule, {
 *   strategy: new BatonServer({ database: { url }, transport: new KafkaTransport({ brokers, groupId: 'inventory' }) }),
 * });
 * await app.listen();
 *
 * @Controller()
 * export class InventoryController {
 *   @MessagePattern(ReserveStock)
 *   async reserve(@Payload() command: PayloadOf<typeof ReserveStock>, @Ctx() ctx: BatonContext) {
 *     await ctx.tx.query(...);
 *     return reply(StockReserved, { reservationId });
 *   }
 * }
 * ```
 *
 * A handler's pattern is the command's contract, or its type string with
 * the contract in `commands`; the payload it gets is validated against the
 * contract (an invalid one is dead-lettered), and `@Ctx()` is a
 * BatonContext: the transaction to work in (`tx`), the envelope, `append`,
 * `compensates`. Guards, pipes, interceptors and exception filters apply as
 * to any Nest handler. It returns (or resolves to, or emits last before
 * completing) a `reply(...)`, or nothing for a command the saga does not
 * wait on; anything else is a bug, handled as an unexpected exception.
 *
 * What a handler throws, once through Nest's RPC exception filter:
 * - TransientCommandError: CommandFailed with `transient: true`; nothing is
 *   recorded, the saga's retry (same message id) runs the handler again.
 * - CommandRefusedError, or any other RpcException: CommandFailed with
 *   `transient: false` and the exception's message as `reason`, a refusal;
 *   the handler's work rolls back and the refusal is recorded with the
 *   command, so a copy of it gets the same reply without running the handler.
 * - Anything else (Nest logs it, with its stack, and passes on "Internal
 *   server error"): the command is delivered again and dead-lettered
 *   (participant_dead_letter, `<topic>.dlq`) once the transport's attempts
 *   run out; nothing is answered. If the handler's transaction found the
 *   database gone, the transport waits for it instead of counting attempts.
 *
 * `@EventPattern` handlers are refused when the server starts listening
 * (commands are request/reply), as are patterns without a contract and two
 * handlers of one command.
 */
export class BatonServer extends Server<BatonServerEvents, BatonServerStatus> implements CustomTransportStrategy {
  /** BATON_TRANSPORT: handlers pinned to another transport are not given to this server. */
  override transportId: symbol = BATON_TRANSPORT;
  private readonly patterns: CommandPatterns;
  private readonly events = new EventEmitter();
  private readonly batonLogger: BatonLogger;
  private runtime?: ParticipantRuntime;
  private starting?: Promise<void>;
  private closing?: Promise<void>;
  private listening = false;

  constructor(private readonly options: BatonServerOptions) {
    super();
    this.patterns = new CommandPatterns(options.commands ?? []);
    this.batonLogger = options.logger ?? new Logger('BatonServer');
  }

  /**
   * Keeps each handler Nest registers (checked when listening), filed under
   * its command's type.
   */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, any> = {}): void {
    this.patterns.add(pattern, callback, isEventHandler);
    super.addHandler(pattern, callback, isEventHandler, extras);
  }

  /**
   * Opens the participants' database, subscribes one worker per participant
   * and starts the transport (unless `manageTransport` is false) and the
   * reply relay; then calls `callback`, with the error if any of it failed
   * (an invalid handler pattern included), having released what it opened.
   */
  async listen(callback: (error?: unknown, ...info: unknown[]) => void): Promise<void> {
    this.starting ??= this.start();
    try {
      await this.starting;
    } catch (error) {
      callback(error);
      return;
    }
    callback();
  }

  /**
   * Waits for the commands in hand, stops the relay (replies not yet
   * published stay in the outbox), closes the transport (when it manages it)
   * and the database (when it opened it). Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.stop();
    return this.closing;
  }

  /**
   * Registers a listener of the server's own events, 'listening' and
   * 'closed' (see BatonServerEvents; `status` emits the same). The broker's
   * events stay inside the Baton transport; any other name throws.
   */
  on<EventKey extends keyof BatonServerEvents = keyof BatonServerEvents, EventCallback extends BatonServerEvents[EventKey] = BatonServerEvents[EventKey]>(
    event: EventKey,
    callback: EventCallback,
  ): void {
    if (!EVENTS.includes(event)) {
      throw new Error(
        `BatonServer emits ${EVENTS.map((name) => `"${name}"`).join(' and ')}, not "${String(event)}": ` +
          'the broker connection is the Baton transport\'s (Transport.health()).',
      );
    }
    this.events.on(event, callback);
  }

  /** The database, transport and workers the server runs on (BatonServerParts), once it listens. */
  unwrap<T = BatonServerParts>(): T {
    if (!this.runtime || !this.listening) {
      throw new Error('BatonServer is not listening: call app.listen() (or app.startAllMicroservices()) first.');
    }
    const parts: BatonServerParts = { database: this.runtime.database, transport: this.options.transport, workers: this.runtime.workers };
    return parts as T;
  }

  /** A contract object is filed under its type, never as Nest's JSON of it; other patterns as Nest files them. */
  protected override normalizePattern(pattern: MsPattern): string {
    return isCommandContract(pattern) ? pattern.type : super.normalizePattern(pattern);
  }

  private async start(): Promise<void> {
    if (this.closing) throw new Error('BatonServer was closed; a new one listens again.');
    const handlers = this.patterns.resolve().map((resolved) => this.commandHandler(resolved));
    if (!handlers.length) this.batonLogger.warn('BatonServer has no @MessagePattern handlers: it consumes no command topic.');
    const runtime = new ParticipantRuntime(handlers, this.options, this.batonLogger);
    this.runtime = runtime;
    try {
      await runtime.open();
      await runtime.start();
    } catch (error) {
      this.runtime = undefined;
      await runtime.stop().catch((cleanup: unknown) => this.batonLogger.error(`BatonServer could not release what it opened: ${String(cleanup)}`));
      throw error;
    }
    this.listening = true;
    this._status$.next('listening');
    this.events.emit('listening');
  }

  private async stop(): Promise<void> {
    await this.starting?.catch(() => undefined);
    const runtime = this.runtime;
    if (!runtime) return;
    await runtime.stop();
    this.listening = false;
    this.batonLogger.log('BatonServer closed: commands in hand finished, replies published or kept in the outbox');
    this._status$.next('closed');
    this.events.emit('closed');
  }

  /** The CommandHandler running a `@MessagePattern` handler (Nest's proxy: guards, pipes, interceptors, filters) for its command. */
  private commandHandler({ command, handler }: CommandPatternHandler): CommandHandler {
    return handleCommand(command, async (payload, context) => {
      const ctx = new BatonContext(context);
      let emitted: unknown;
      try {
        emitted = await this.processing(ctx, async () => lastValueFrom(this.transformToObservable(await handler(payload, ctx)), { defaultValue: undefined }));
      } catch (failure) {
        throw await this.commandError(failure, command.type, context);
      }
      return replyOf(emitted, command.type);
    });
  }

  /**
   * The error the worker gets for a handler's failure (see commandErrorOf).
   * An unexpected one whose transaction finds the database gone becomes the
   * DependencyUnavailableError that makes the transport wait: Nest's filter
   * kept the handler's own error to itself.
   */
  private async commandError(failure: unknown, commandType: string, context: CommandContext): Promise<Error> {
    const error = commandErrorOf(failure, commandType);
    if (error instanceof TransientCommandError || error instanceof CommandRefusedError || failure instanceof Error) return error;
    return (await databaseGone(context.tx)) ?? error;
  }

  /** Runs `work` inside the processing hooks Nest lets instrumentation set (setOnProcessingStartHook / EndHook). */
  private processing<T>(ctx: BatonContext, work: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const done = async () => {
        try {
          resolve(await work());
        } catch (error) {
          reject(error);
        } finally {
          this.onProcessingEndHook?.(this.transportId, ctx);
        }
      };
      this.onProcessingStartHook(this.transportId, ctx, done);
    });
  }
}

/** The DependencyUnavailableError of a transaction whose connection is gone; undefined when it answers, or fails otherwise. */
async function databaseGone(tx: EntityManager): Promise<Error | undefined> {
  try {
    await tx.query('SELECT 1');
    return undefined;
  } catch (probe) {
    return databaseUnavailable(probe);
  }
}
