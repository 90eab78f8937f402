import { logLevel, type KafkaConfig, type LogEntry, type RetryOptions } from 'kafkajs';
import type { BatonLogger } from '@baton/core';
import { KAFKA_DEFAULT_CLIENT_ID } from './kafka-transport.defaults';
import type { KafkaTransportOptions } from './kafka-transport.options';

/**
 * How long kafkajs retries one request (a produce, a fetch, an admin call)
 * before its caller sees the error: first after 300 ms, the wait doubling
 * (with jitter) up to 10 s apart, ten times, so about a minute in all. That
 * rides out a broker restart or a leader election; beyond it the callers
 * retry themselves (the outbox relay with its backoff, the consumer by
 * restarting).
 */
export const KAFKA_CLIENT_RETRY: RetryOptions = { initialRetryTime: 300, retries: 10, maxRetryTime: 10_000 };

/**
 * The start-up client's retry: none. kafkajs's cluster would retry a refused
 * connection for about a minute within one call, whatever an admin's own
 * retry says; the start-up wait paces the attempts instead, within its
 * budget, and logs what it waits for (see start-up-retry.ts).
 */
export const START_UP_CLIENT_RETRY: RetryOptions = { retries: 0 };

/** kafkajs lines below this level are dropped: its info lines (every connect, join and commit) would drown the transport's own. */
const KAFKAJS_LOG_LEVEL = logLevel.WARN;

/** The kafkajs client configuration of a transport: its brokers and credentials, its retry, its log lines through `log`. */
export function kafkaClientConfig(options: KafkaTransportOptions, log: KafkajsLog): KafkaConfig {
  return {
    clientId: options.clientId ?? KAFKA_DEFAULT_CLIENT_ID,
    brokers: options.brokers,
    ssl: options.ssl,
    sasl: options.sasl,
    logLevel: KAFKAJS_LOG_LEVEL,
    logCreator: () => (entry: LogEntry) => log.write(entry),
    retry: KAFKA_CLIENT_RETRY,
  };
}

/** What the transport is doing, as far as its kafkajs log lines are concerned. */
export interface KafkajsLogState {
  /** `ensureTopics` or `start` waits for the cluster (the start-up wait logs instead). */
  starting(): boolean;
  /** The consumer is joining its group for the first time. */
  joiningFirstTime(): boolean;
}

/**
 * kafkajs's log lines, into the transport's logger: an error as an error,
 * the rest as warnings; while starting, as debug lines (the start-up wait
 * says what it waits for, once per kind, where kafkajs would say it on every
 * attempt); during the first join, each line once.
 */
export class KafkajsLog {
  /** kafkajs lines logged during the first join, each once. */
  private readonly firstJoinLines = new Set<string>();

  constructor(
    private readonly logger: BatonLogger,
    private readonly state: KafkajsLogState,
  ) {}

  write({ level, log }: LogEntry): void {
    // Retries are bounded on purpose (the relay retries with backoff, the inbox dedupes); not a problem here.
    if (log.message.startsWith('Limiting retries for the idempotent producer')) return;
    const text = `kafkajs ${log.message}${log.error ? `: ${log.error}` : ''}`;
    if (this.state.starting()) {
      this.logger.debug?.(text);
      return;
    }
    // The first join: a fresh cluster answers it with retriable errors (no group coordinator until __consumer_offsets
    // exists) that kafkajs logs as errors on every attempt while it retries. Each line once, as a warning, until joined.
    if (this.state.joiningFirstTime()) {
      if (this.firstJoinLines.has(text)) return this.logger.debug?.(text);
      this.firstJoinLines.add(text);
      this.logger.warn(`${text} (while joining the consumer group for the first time; kafkajs tries again)`);
      return;
    }
    if (level <= logLevel.ERROR) this.logger.error(text);
    else this.logger.warn(text);
  }
}
