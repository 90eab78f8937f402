import { Logger } from '@nestjs/common';
import { ExecutionContextHost } from '@nestjs/core/helpers/execution-context-host';
import { BaseRpcExceptionFilter, RpcException } from '@nestjs/microservices';
import { lastValueFrom, type Observable } from 'rxjs';
import { event } from '@baton/core';
import { z } from 'zod';
import { reply } from '../command-handler';
import { CommandRefusedError } from '../command-refused.error';
import { TransientCommandError } from '../transient-command.error';
import { commandErrorOf, replyOf } from './command-outcome';

/** What Nest's default RPC exception filter passes on for `exception`, as BatonServer receives it. */
async function throughNest(exception: unknown): Promise<unknown> {
  const host = new ExecutionContextHost([]);
  host.setType('rpc');
  const out = new BaseRpcExceptionFilter().catch(exception, host) as Observable<unknown>;
  return lastValueFrom(out).then(
    () => {
      throw new Error('the filter passed no error on');
    },
    (error: unknown) => error,
  );
}

const outcomeOf = async (exception: unknown) => commandErrorOf(await throughNest(exception), 'ReserveStock');

beforeAll(() => Logger.overrideLogger(false));

describe("A @MessagePattern handler's exception, once through Nest's RPC exception filter", () => {
  it('is a TransientCommandError again when it was one, with its reason', async () => {
    const error = await outcomeOf(new TransientCommandError('the warehouse did not answer'));
    expect(error).toBeInstanceOf(TransientCommandError);
    expect(error.message).toBe('the warehouse did not answer');
  });

  it('is a CommandRefusedError again when it was one, with its reason', async () => {
    const error = await outcomeOf(new CommandRefusedError('the order is unknown'));
    expect(error).toBeInstanceOf(CommandRefusedError);
    expect(error.message).toBe('the order is unknown');
  });

  it.each([
    ['a string', new RpcException('the order is blocked'), 'the order is blocked'],
    ['an object with a message', new RpcException({ message: 'over the limit', code: 'LIMIT' }), 'over the limit'],
    ['an object without one', new RpcException({ code: 42 }), '{"code":42}'],
  ])('refuses the command for an RpcException of %s', async (_what, exception, reason) => {
    const error = await outcomeOf(exception);
    expect(error).toBeInstanceOf(CommandRefusedError);
    expect(error.message).toBe(reason);
  });

  it("is an Error asking for redelivery for any other exception (Nest's 'Internal server error')", async () => {
    const error = await outcomeOf(new TypeError('x is undefined'));
    expect(error).not.toBeInstanceOf(RpcException);
    expect(error.message).toMatch(/^The @MessagePattern handler of ReserveStock threw an unexpected exception \(logged by Nest's RpcExceptionsHandler/);
  });

  it("is the exception itself when the app's own filter lets it through: by its class", () => {
    const bug = new TypeError('x is undefined');
    expect(commandErrorOf(bug, 'ReserveStock')).toBe(bug);
    expect(commandErrorOf(new RpcException('no'), 'ReserveStock')).toBeInstanceOf(CommandRefusedError);
  });
});

describe('TransientCommandError and CommandRefusedError', () => {
  it('are Errors and RpcExceptions with their name, reason and cause', () => {
    const cause = new Error('socket hang up');
    for (const [error, name] of [
      [new TransientCommandError('later', { cause }), 'TransientCommandError'],
      [new CommandRefusedError('never', { cause }), 'CommandRefusedError'],
    ] as const) {
      expect(error).toBeInstanceOf(Error);
      expect(error).toBeInstanceOf(RpcException);
      expect(error.name).toBe(name);
      expect(error.cause).toBe(cause);
      expect(error.stack).toContain(name);
    }
  });
});

describe('What a @MessagePattern handler emitted last', () => {
  const StockReserved = event('StockReserved', { schema: z.object({ reservationId: z.string() }) });

  it('is its reply, or nothing', () => {
    const answer = reply(StockReserved, { reservationId: 'r-1' });
    expect(replyOf(answer, 'ReserveStock')).toBe(answer);
    expect(replyOf(undefined, 'ReserveStock')).toBeUndefined();
  });

  it.each([null, 'ok', { reservationId: 'r-1' }, { contract: { kind: 'command', type: 'ReserveStock' }, payload: {} }])(
    'is an error naming it when it is %j',
    (value) => {
      expect(() => replyOf(value, 'ReserveStock')).toThrow(/^The @MessagePattern handler of ReserveStock returned .*: a command handler returns reply\(Contract, payload\)/);
    },
  );
});
