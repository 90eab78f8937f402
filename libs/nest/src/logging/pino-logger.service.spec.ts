import { ConsoleLogger, Logger } from '@nestjs/common';
import { ROOT_CONTEXT, TraceFlags, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { logContextOf, withLogContext } from '@baton/core';
import { PinoLoggerService, type PinoLoggerOptions } from './pino-logger.service';

const SAGA_ID = '01890a5d-ac96-774b-bcce-b302099a8057';
const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** A logger writing JSON lines into memory, and the lines it wrote so far, parsed. */
function memoryLogger(options: PinoLoggerOptions = {}) {
  const chunks: string[] = [];
  const logger = new PinoLoggerService({ ...options, destination: { write: (chunk: string) => void chunks.push(chunk) } });
  const lines = () =>
    chunks
      .join('')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { logger, lines };
}

describe('The pino logger service', () => {
  it('sends what is logged after end() to stderr instead of throwing (a failed start keeps its exit code)', async () => {
    const logger = new PinoLoggerService({ format: 'json' });
    await logger.end();
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => logger.error('Waiting for Kafka', 'Kafka')).not.toThrow();
      expect(stderr).toHaveBeenCalledWith('[error] Waiting for Kafka\n');
    } finally {
      stderr.mockRestore();
    }
  });

  it('writes one JSON line per entry with level, time, msg, context and pid', () => {
    const { logger, lines } = memoryLogger();
    logger.log('Relay started', 'OutboxRelay');
    logger.warn('Publishing failed', 'OutboxRelay');
    expect(lines()).toEqual([
      expect.objectContaining({ level: 'info', msg: 'Relay started', context: 'OutboxRelay', pid: process.pid, time: expect.any(String) }),
      expect.objectContaining({ level: 'warn', msg: 'Publishing failed', context: 'OutboxRelay' }),
    ]);
    expect(new Date(lines()[0].time as string).getTime()).not.toBeNaN();
  });

  it('adds the saga fields inside withLogContext, and none outside it', async () => {
    const { logger, lines } = memoryLogger();
    logger.log('before');
    await withLogContext({ sagaId: SAGA_ID, sagaName: 'order-fulfillment', correlationId: 'order-42', traceId: TRACE_ID }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      logger.log('inside, after an await', 'SagaStep');
    });
    logger.log('after');

    const [before, inside, after] = lines();
    expect(inside).toEqual(
      expect.objectContaining({ msg: 'inside, after an await', sagaId: SAGA_ID, sagaName: 'order-fulfillment', correlationId: 'order-42', traceId: TRACE_ID }),
    );
    for (const line of [before, after]) {
      expect(Object.keys(line)).not.toEqual(expect.arrayContaining(['sagaId']));
      expect(line).not.toHaveProperty('correlationId');
      expect(line).not.toHaveProperty('traceId');
    }
  });

  it('takes the trace id from a message traceparent', () => {
    const { logger, lines } = memoryLogger();
    const envelope = { sagaId: SAGA_ID, correlationId: SAGA_ID, messageId: 'm-1', traceparent: TRACEPARENT };
    withLogContext(logContextOf(envelope), () => logger.debug('handled', 'Participant'));
    expect(lines()).toEqual([]); // below the default level
    const verbose = memoryLogger({ level: 'debug' });
    withLogContext(logContextOf(envelope), () => verbose.logger.debug('handled', 'Participant'));
    expect(verbose.lines()).toEqual([expect.objectContaining({ level: 'debug', sagaId: SAGA_ID, messageId: 'm-1', traceId: TRACE_ID })]);
  });

  it('prefers the trace id of the active span to the one of the message', () => {
    const manager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(manager);
    try {
      const { logger, lines } = memoryLogger();
      const span = trace.wrapSpanContext({ traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), traceFlags: TraceFlags.SAMPLED });
      withLogContext(logContextOf({ sagaId: SAGA_ID, traceparent: TRACEPARENT }), () =>
        context.with(trace.setSpan(ROOT_CONTEXT, span), () => logger.log('in a span')),
      );
      expect(lines()).toEqual([expect.objectContaining({ sagaId: SAGA_ID, traceId: 'a'.repeat(32), spanId: 'b'.repeat(16) })]);
    } finally {
      context.disable();
    }
  });

  it('gives an inner context precedence and restores the outer one after it', () => {
    const { logger, lines } = memoryLogger();
    withLogContext({ sagaId: 'outer', correlationId: 'c-outer' }, () => {
      withLogContext({ sagaId: 'inner', correlationId: undefined }, () => logger.log('inner'));
      logger.log('outer');
    });
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'inner', sagaId: 'inner', correlationId: 'c-outer' }),
      expect.objectContaining({ msg: 'outer', sagaId: 'outer', correlationId: 'c-outer' }),
    ]);
  });

  it('keeps the stack of error(message, stack) and reads a lone string as the context', () => {
    const { logger, lines } = memoryLogger();
    const stack = new Error('boom').stack!;
    logger.error('Step failed', stack, 'SagaStep');
    logger.error('Step failed again', stack);
    logger.error('No stack', 'SagaStep');
    const [withContext, withoutContext, noStack] = lines();
    expect(withContext).toEqual(expect.objectContaining({ level: 'error', msg: 'Step failed', context: 'SagaStep', stack }));
    expect(withoutContext).toEqual(expect.objectContaining({ msg: 'Step failed again', stack }));
    expect(withoutContext).not.toHaveProperty('context');
    expect(noStack).toEqual(expect.objectContaining({ msg: 'No stack', context: 'SagaStep' }));
    expect(noStack).not.toHaveProperty('stack');
  });

  it('serialises an Error given as the message', () => {
    const { logger, lines } = memoryLogger();
    logger.error(new Error('connection refused'), 'Kafka');
    expect(lines()).toEqual([
      expect.objectContaining({
        msg: 'connection refused',
        context: 'Kafka',
        err: expect.objectContaining({ type: 'Error', message: 'connection refused', stack: expect.stringContaining('Error: connection refused') }),
      }),
    ]);
  });

  it('makes plain objects among the params fields of the line', () => {
    const { logger, lines } = memoryLogger({ level: 'debug' });
    logger.debug('Step applied', { kind: 'message', event: 'PaymentRefused', to: 'compensating' }, 'SagaStep');
    expect(lines()).toEqual([
      expect.objectContaining({ msg: 'Step applied', context: 'SagaStep', kind: 'message', event: 'PaymentRefused', to: 'compensating' }),
    ]);
  });

  it('serves Nest Logger instances once the app uses it, with their context and an undefined stack', () => {
    const { logger, lines } = memoryLogger();
    Logger.overrideLogger(logger);
    try {
      withLogContext({ sagaId: SAGA_ID }, () => {
        new Logger('OutboxRelay').log('published');
        new Logger('OutboxRelay').error('could not publish');
      });
    } finally {
      Logger.overrideLogger(new ConsoleLogger());
    }
    const [info, error] = lines();
    expect(info).toEqual(expect.objectContaining({ level: 'info', msg: 'published', context: 'OutboxRelay', sagaId: SAGA_ID }));
    expect(error).toEqual(expect.objectContaining({ level: 'error', msg: 'could not publish', context: 'OutboxRelay', sagaId: SAGA_ID }));
    expect(error).not.toHaveProperty('stack');
  });

  it('writes one readable line per entry with LOG_FORMAT pretty, the saga fields beside the message', () => {
    const chunks: string[] = [];
    const logger = new PinoLoggerService({ format: 'pretty', destination: { write: (chunk: string) => void chunks.push(chunk) } });
    withLogContext({ sagaId: SAGA_ID, correlationId: 'order-42' }, () => logger.warn('Publishing failed', 'OutboxRelay'));
    // eslint-disable-next-line no-control-regex
    const text = chunks.join('').replace(/\x1b\[[0-9;]*m/g, '');
    expect(text.trimEnd().split('\n')).toEqual([expect.stringMatching(/^\[\d\d:\d\d:\d\d\.\d{3}\] WARN: \[OutboxRelay\] Publishing failed /)]);
    expect(text).toContain(`"sagaId":"${SAGA_ID}"`);
    expect(text).toContain('"correlationId":"order-42"');
  });

  it('follows the levels Nest asks for', () => {
    const { logger, lines } = memoryLogger();
    logger.setLogLevels(['warn', 'error']);
    logger.log('dropped');
    logger.warn('kept');
    expect(lines().map((line) => line.msg)).toEqual(['kept']);
  });
});
