import type { KafkaMessage, Producer } from 'kafkajs';
import { errorMessage, type BatonLogger, type DeadLetter, type DeadLetterFailures, type DeadLetterSink, type MessageEnvelope } from '@baton/core';
import { rawOf } from './header-codec';
import { ACKS_ALL_IN_SYNC_REPLICAS } from './kafka-producer';
import { refusedByBroker } from './kafkajs-errors';

/** What a topic's dead-letter topic is named after it: `<topic>.dlq`. */
export const DLQ_SUFFIX = '.dlq';

/** The dead-letter topic of `topic`. */
export const deadLetterTopicOf = (topic: string): string => topic + DLQ_SUFFIX;

/**
 * The longest reason the `.dlq` copy carries in its header. The reason is
 * the handler's error message, which may quote a whole payload or stack: cut
 * here, it cannot make the copy too large for the broker, and still says
 * what failed. The sink's record keeps the whole reason.
 */
export const DEAD_LETTER_REASON_HEADER_MAX_CHARS = 2000;

/** A message given up on, with why and after how many attempts, for its subscriber's sink and `<topic>.dlq`. */
export interface Letter {
  topic: string;
  partition: number;
  message: KafkaMessage;
  /** The decoded message, when it could be decoded. */
  envelope: MessageEnvelope | undefined;
  attempts: number;
  reason: string;
  /** Where the subscriber keeps its dead letters. */
  sink: DeadLetterSink;
}

/**
 * Dead-lettering: records the letter with the subscriber's sink, then copies
 * the message to `<topic>.dlq`. Neither may fail for what the message holds,
 * or its partition would never move past it: a letter the sink refuses is
 * recorded again without its decoded envelope (the raw bytes and the error,
 * storable whatever they are); a letter refused even so, or a copy the
 * broker refuses (too large, say), is logged and counted, and the partition
 * moves on. A database or broker that is unavailable propagates: the message
 * is waited on or comes again.
 */
export class KafkaDeadLetters {
  /** Dead letters not kept in full since the start; each is logged too. */
  private readonly failures: DeadLetterFailures = { withoutEnvelope: 0, notRecorded: 0, notCopied: 0 };

  /** `producer` connects the transport's producer; `groupId` goes in the copy's headers, naming who gave up on it. */
  constructor(
    private readonly producer: () => Promise<Producer>,
    private readonly groupId: string,
    private readonly isDependencyUnavailable: (error: unknown) => boolean,
    private readonly logger: BatonLogger,
  ) {}

  /** Records and copies the letter (see the class). */
  async deadLetter(letter: Letter): Promise<void> {
    const { topic, partition, message, attempts, reason } = letter;
    const where = `message ${message.offset} on ${topic} [${partition}]`;
    this.logger.warn(`Dead-lettering ${where} after ${attempts} attempt(s): ${reason}`);
    const raw = rawOf(message);
    await this.record(letter.sink, { topic, reason, attempts, envelope: letter.envelope, raw }, where);
    await this.copy(letter, where);
  }

  /** Dead letters not kept in full since the start; see DeadLetterFailures. */
  counts(): DeadLetterFailures {
    return { ...this.failures };
  }

  private async record(sink: DeadLetterSink, letter: DeadLetter, where: string): Promise<void> {
    try {
      await sink.record(letter);
      return;
    } catch (error) {
      if (this.isDependencyUnavailable(error) || !letter.envelope) return this.notRecorded(error, where);
      this.failures.withoutEnvelope++;
      this.logger.error(`The dead letter of ${where} could not be recorded with its envelope (${errorMessage(error)}); recording its raw bytes only`);
      const { envelope: _refused, ...bare } = letter;
      try {
        await sink.record({ ...bare, reason: `${letter.reason} (recorded without its envelope, refused by the sink: ${errorMessage(error)})` });
      } catch (again) {
        this.notRecorded(again, where);
      }
    }
  }

  /** A sink that cannot record even the raw message: the .dlq copy keeps it; unless the database is down (then wait). */
  private notRecorded(error: unknown, where: string): void {
    if (this.isDependencyUnavailable(error)) throw error;
    this.failures.notRecorded++;
    this.logger.error(
      `The dead letter of ${where} could not be recorded at all (${errorMessage(error)}); its copy on the dead-letter topic is what remains. Moving on.`,
    );
  }

  private async copy({ topic, message, attempts, reason }: Letter, where: string): Promise<void> {
    const producer = await this.producer();
    try {
      await producer.send({
        topic: deadLetterTopicOf(topic),
        acks: ACKS_ALL_IN_SYNC_REPLICAS,
        messages: [
          {
            key: message.key,
            value: message.value,
            headers: {
              ...message.headers,
              'dead-letter-reason': reason.slice(0, DEAD_LETTER_REASON_HEADER_MAX_CHARS),
              'dead-letter-attempts': String(attempts),
              'dead-letter-group': this.groupId,
            },
          },
        ],
      });
    } catch (error) {
      if (!refusedByBroker(error)) throw error;
      this.failures.notCopied++;
      this.logger.error(
        `The broker refused the copy of ${where} for ${deadLetterTopicOf(topic)} (${errorMessage(error)}); the dead letter is in the table only.`,
      );
    }
  }
}
