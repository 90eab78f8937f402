import { Logger } from '@nestjs/common';
import { DependencyUnavailableError } from '@baton/core';
import type { PinoLoggerService } from '@baton/nest';
import { ConfigError } from './config/env';

/** Exit codes of a process that could not start: they say why. */
export const EXIT_CODES = {
  /** Anything else: see the log. */
  failed: 1,
  /** A variable is set but wrong (ConfigError). */
  invalidConfiguration: 2,
  /** A dependency (PostgreSQL, Kafka) did not answer within the start-up budget (STARTUP_TIMEOUT_MS). */
  dependencyDidNotAnswer: 3,
} as const;

/** What `error`, or an error in its cause chain, says about why the start failed. */
export function exitCodeOf(error: unknown): number {
  const chain = causes(error);
  if (chain.some((e) => e instanceof ConfigError)) return EXIT_CODES.invalidConfiguration;
  if (chain.some((e) => e instanceof DependencyUnavailableError)) return EXIT_CODES.dependencyDidNotAnswer;
  return EXIT_CODES.failed;
}

/**
 * The reason, for the log: "Could not start: <message>" first, then each
 * cause, then the exit code and what it means; for an unexpected error
 * (exit code 1) its stack too.
 */
export function describeFailedStart(error: unknown, code = exitCodeOf(error)): string {
  const [first, ...rest] = causes(error);
  const lines = [`Could not start: ${messageOf(first)}`, ...rest.map((cause) => `  caused by ${nameOf(cause)}: ${messageOf(cause)}`)];
  if (code === EXIT_CODES.dependencyDidNotAnswer) {
    lines.push(`Exiting with code ${code}: a dependency did not answer within the start-up budget (STARTUP_TIMEOUT_MS).`);
  } else if (code === EXIT_CODES.invalidConfiguration) {
    lines.push(`Exiting with code ${code}: invalid configuration.`);
  } else {
    const stack = (first as { stack?: unknown } | undefined)?.stack;
    if (typeof stack === 'string') lines.push(...stack.split('\n').filter((line) => /^\s+at /.test(line)));
    lines.push(`Exiting with code ${code}.`);
  }
  return lines.join('\n');
}

/**
 * Logs why the start failed, after whatever Nest still holds (bufferLogs),
 * and exits with the code that says why, once the lines are written:
 * stdout and stderr may be pipes, and pino writes asynchronously. Exits
 * even though a database pool or a Kafka client of the failed start may
 * still be open (they would keep the process alive); after 5 s without the
 * output flushed, exits anyway.
 */
export async function exitAfterFailedStart(error: unknown, context: string, logger?: PinoLoggerService): Promise<never> {
  const code = exitCodeOf(error);
  try {
    Logger.flush();
    new Logger(context).error(describeFailedStart(error, code));
  } catch (failure) {
    process.stderr.write(`Could not start: ${messageOf(error)}\n(and could not log it: ${messageOf(failure)})\n`);
  }
  process.exitCode = code;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all([written(process.stdout), written(process.stderr), logger?.end()]),
    new Promise((resolve) => (timer = setTimeout(resolve, 5_000))),
  ]);
  clearTimeout(timer);
  process.exit(code);
}

/** Resolves once what was written to `stream` before has been handed to the system. */
function written(stream: NodeJS.WriteStream): Promise<void> {
  return new Promise((resolve) => {
    if (stream.destroyed || !stream.writable) resolve();
    else stream.write('', () => resolve());
  });
}

/** `error`, then its cause, its cause's cause, and so on (at most 10). */
function causes(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let current = error; current !== undefined && current !== null && chain.length < 10 && !chain.includes(current); ) {
    chain.push(current);
    current = (current as { cause?: unknown }).cause;
  }
  return chain;
}

function messageOf(error: unknown): string {
  const { message } = (error ?? {}) as { message?: unknown };
  return typeof message === 'string' ? message : String(error);
}

function nameOf(error: unknown): string {
  const { name } = (error ?? {}) as { name?: unknown };
  return typeof name === 'string' ? name : typeof error;
}
