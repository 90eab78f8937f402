import type { LogLevel, LoggerService } from '@nestjs/common';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { destination as pinoDestination, pino, stdTimeFunctions, type DestinationStream, type Level, type LevelWithSilent, type Logger } from 'pino';
import { prettyFactory } from 'pino-pretty';
import { currentLogContext } from '@baton/core';

/** 'json': one JSON object per line, for machines; 'pretty': one coloured line per entry, for a terminal. */
export type LogFormat = 'json' | 'pretty';

/** Options of `PinoLoggerService`. */
export interface PinoLoggerOptions {
  /** Lowest level written: trace, debug, info, warn, error, fatal or silent. @default 'info' */
  level?: LevelWithSilent;
  /** @default 'json' */
  format?: LogFormat;
  /** Written as `name` on every line, to tell processes apart in one stream of logs. */
  name?: string;
  /** Where lines go (tests pass an in-memory stream). @default stdout */
  destination?: DestinationStream;
}

// Nest's levels, from the most detailed, and pino's name for each.
const LEVELS: Array<[LogLevel, Level]> = [
  ['verbose', 'trace'],
  ['debug', 'debug'],
  ['log', 'info'],
  ['warn', 'warn'],
  ['error', 'error'],
  ['fatal', 'fatal'],
];

/**
 * NestJS's logger over pino: `app.useLogger(new PinoLoggerService({ ... }))`
 * sends every `Logger` of the app (and Baton's workers, which log through
 * Nest loggers) here. Each line carries `level`, `time`, `msg`, `context`
 * (the Nest logger's context), `pid`, and the saga it concerns: `sagaId`,
 * `sagaName`, `correlationId`, `messageId` from `withLogContext`, and
 * `traceId` (the active span's, else the message's `traceparent`).
 *
 * Arguments follow Nest's convention: `log(message, ...params, context?)`,
 * `error(message, stack?, context?)`. Plain objects among the params become
 * fields of the line.
 */
export class PinoLoggerService implements LoggerService {
  /** The pino logger underneath, for code that wants pino's own API. */
  readonly pino: Logger;
  /** JSON lines to stdout: pino's own destination, which writes asynchronously (see `end`). */
  private readonly stdout?: ReturnType<typeof pinoDestination>;
  private ended?: Promise<void>;

  constructor(options: PinoLoggerOptions = {}) {
    // As pino's default destination, kept to be ended (see `end`).
    if (options.format !== 'pretty' && !options.destination) this.stdout = pinoDestination({ dest: 1, sync: false });
    this.pino = pino(
      {
        level: options.level ?? 'info',
        name: options.name,
        mixin: sagaFields,
        timestamp: stdTimeFunctions.isoTime,
        formatters: { level: (label: string) => ({ level: label }) },
      },
      options.format === 'pretty' ? prettyLines(options.destination) : (options.destination ?? this.stdout),
    );
  }

  /**
   * Resolves once every line logged so far has been written, for a process
   * about to exit: JSON lines reach stdout asynchronously, and
   * `process.exit` does not wait for a write under way (the last lines, the
   * very ones that say why, could be lost or come out of order). Ends the
   * destination (stdout itself stays open): log nothing afterwards. Pretty
   * lines, and a destination of the caller's, are written as they come.
   */
  end(): Promise<void> {
    const stdout = this.stdout;
    if (!stdout) return Promise.resolve();
    this.ended ??= new Promise((resolve) => {
      stdout.once('close', () => resolve());
      stdout.once('error', () => resolve());
      stdout.end();
    });
    return this.ended;
  }

  log(message: unknown, ...params: unknown[]): void {
    this.write('info', message, params);
  }

  error(message: unknown, ...params: unknown[]): void {
    this.write('error', message, params, true);
  }

  warn(message: unknown, ...params: unknown[]): void {
    this.write('warn', message, params);
  }

  debug(message: unknown, ...params: unknown[]): void {
    this.write('debug', message, params);
  }

  verbose(message: unknown, ...params: unknown[]): void {
    this.write('trace', message, params);
  }

  fatal(message: unknown, ...params: unknown[]): void {
    this.write('fatal', message, params, true);
  }

  /** Nest's `logger: [...]` option: the most detailed level given is the threshold; none silences. */
  setLogLevels(levels: LogLevel[]): void {
    this.pino.level = LEVELS.find(([nest]) => levels.includes(nest))?.[1] ?? 'silent';
  }

  private write(level: Level, message: unknown, params: unknown[], hasStack = false): void {
    if (!this.pino.isLevelEnabled(level)) return;
    if (this.ended) {
      // A client of a failed start (kafkajs retrying) may still log while the process exits: the ended destination
      // would throw, and the exit code that says why would become 1. The line goes to stderr instead.
      process.stderr.write(`[${level}] ${message instanceof Error ? message.message : String(message)}\n`);
      return;
    }
    const { context, stack, rest } = hasStack ? splitWithStack(params) : split(params);
    const fields: Record<string, unknown> = {};
    if (context) fields.context = context;
    const extra: unknown[] = [];
    for (const param of rest) {
      if (param instanceof Error) fields.err = param;
      else if (isPlainObject(param)) Object.assign(fields, param);
      else if (param !== undefined) extra.push(param);
    }
    if (extra.length) fields.params = extra;
    if (stack) fields.stack = stack;

    if (message instanceof Error) {
      fields.err = message;
      this.pino[level](fields, message.message);
    } else if (isPlainObject(message)) {
      this.pino[level]({ ...fields, ...message });
    } else {
      this.pino[level](fields, typeof message === 'string' ? message : String(message));
    }
  }
}

/**
 * Development output: each JSON line reformatted on the spot (not in a
 * worker thread, so nothing is lost when the process ends on a signal).
 */
function prettyLines(destination: DestinationStream = process.stdout): DestinationStream {
  const prettify = prettyFactory({
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,name,context',
    messageFormat: '{if context}[{context}] {end}{msg}',
    singleLine: true,
  });
  return { write: (line: string) => void destination.write(prettify(line)) };
}

/** The saga fields of the current log context; the active span's trace wins over the message's. */
function sagaFields(): Record<string, string> {
  const fields: Record<string, string> = { ...currentLogContext() };
  const span = trace.getActiveSpan()?.spanContext();
  if (span && isSpanContextValid(span)) {
    fields.traceId = span.traceId;
    fields.spanId = span.spanId;
  }
  return fields;
}

/** Nest's convention: a last string parameter is the context. */
function split(params: unknown[]): { context?: string; stack?: string; rest: unknown[] } {
  const last = params[params.length - 1];
  return typeof last === 'string' ? { context: last, rest: params.slice(0, -1) } : { rest: params };
}

/**
 * For error and fatal, as Nest's ConsoleLogger reads them: `(message, stack)`
 * or `(message, context)` with one parameter, `(message, ...params, stack,
 * context)` with more (Nest's `Logger` passes an undefined stack when there is none).
 */
function splitWithStack(params: unknown[]): { context?: string; stack?: string; rest: unknown[] } {
  if (params.length === 1) {
    const [only] = params;
    if (typeof only !== 'string') return { rest: params };
    return STACK.test(only) ? { stack: only, rest: [] } : { context: only, rest: [] };
  }
  const { context, rest } = split(params);
  const last = rest[rest.length - 1];
  if (rest.length && (typeof last === 'string' || last === undefined)) return { context, stack: last, rest: rest.slice(0, -1) };
  return { context, rest };
}

// A stack trace, as Nest's ConsoleLogger recognises one: a first line, then "at file:line:column" lines.
const STACK = /^(.)+\n\s+at .+:\d+:\d+/;

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}
