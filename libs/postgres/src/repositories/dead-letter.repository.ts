import type { DataSource } from 'typeorm';
import type { MessageEnvelope } from '@baton/core';
import { DeadLetterEntity } from '../entities/dead-letter.entity';

export interface NewDeadLetter {
  consumer: string;
  topic?: string;
  envelope?: MessageEnvelope | unknown;
  messageId?: string;
  messageType?: string;
  sagaId?: string;
  reason: string;
  attempts?: number;
}

/** Messages a consumer gave up on, with the reason. */
export class DeadLetterRepository {
  constructor(private readonly dataSource: DataSource) {}

  async record(letter: NewDeadLetter): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO baton_dead_letter (consumer, topic, message_id, message_type, saga_id, envelope, reason, attempts)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        letter.consumer,
        letter.topic ?? null,
        letter.messageId ?? null,
        letter.messageType ?? null,
        letter.sagaId ?? null,
        letter.envelope === undefined ? null : JSON.stringify(letter.envelope),
        letter.reason,
        letter.attempts ?? 1,
      ],
    );
  }

  list(limit = 100): Promise<DeadLetterEntity[]> {
    return this.dataSource.getRepository(DeadLetterEntity).find({ order: { id: 'DESC' }, take: limit });
  }

  async count(): Promise<number> {
    return this.dataSource.getRepository(DeadLetterEntity).count();
  }
}
