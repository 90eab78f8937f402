import type { DataSource } from 'typeorm';
import type { DeadLetter, DeadLetterSink } from '@baton/core';
import { DeadLetterEntity } from '../entities/dead-letter.entity';

/**
 * Dead letters: the orchestrator's (`baton_dead_letter`) or a participant's
 * (`participant_dead_letter`); both tables have the same columns.
 */
export class DeadLetterRepository {
  constructor(
    private readonly dataSource: DataSource,
    readonly table: 'baton_dead_letter' | 'participant_dead_letter' = 'baton_dead_letter',
  ) {}

  /** A sink that records the dead letters of one consumer ('orchestrator', 'participant:inventory', ...). */
  sinkFor(consumer: string): DeadLetterSink {
    return { record: (letter) => this.record(consumer, letter) };
  }

  async record(consumer: string, letter: DeadLetter): Promise<void> {
    const envelope = letter.envelope;
    await this.dataSource.query(
      `INSERT INTO ${this.table} (consumer, topic, message_id, message_type, saga_id, envelope, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        consumer,
        letter.topic,
        envelope?.messageId ?? letter.raw?.headers['message-id'] ?? null,
        envelope?.type ?? letter.raw?.headers['message-type'] ?? null,
        envelope?.sagaId ?? letter.raw?.headers['saga-id'] ?? null,
        JSON.stringify(envelope ?? { raw: letter.raw }),
        letter.reason,
        letter.attempts,
      ],
    );
  }

  list(limit = 100): Promise<DeadLetterEntity[]> {
    return this.dataSource.getRepository(DeadLetterEntity).find({ order: { id: 'DESC' }, take: limit });
  }

  async count(): Promise<number> {
    const rows: Array<{ n: string }> = await this.dataSource.query(`SELECT count(*) AS n FROM ${this.table}`);
    return Number(rows[0].n);
  }
}
