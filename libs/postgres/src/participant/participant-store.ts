import type { DataSource } from 'typeorm';
import type { DeadLetterSink, Transport } from '@baton/core';
import { DeadLetterRepository } from '../repositories/dead-letter.repository';
import { OutboxRepository } from '../repositories/outbox.repository';
import { inTransaction } from '../sql';
import { OutboxRelay, type OutboxRelayOptions } from '../workers/outbox-relay';
import { ParticipantInbox } from './participant-inbox';
import { ParticipantUnitOfWork } from './participant-unit-of-work';

/**
 * The tables of one participant in its service's database (created by
 * PARTICIPANT_MIGRATIONS): `participant_inbox` (the commands it handled and
 * the fences of its compensations), `participant_outbox` (its replies, shared
 * by the participants of the database) and `participant_dead_letter`. The
 * participant worker (@baton/participant) works through it only.
 */
export class ParticipantStore {
  private readonly inbox: ParticipantInbox;
  private readonly outbox: OutboxRepository;
  private readonly deadLetters: DeadLetterRepository;

  /**
   * A relay publishing the replies in `participant_outbox`: one serves every
   * participant of the database. Whoever makes it starts and stops it.
   */
  static replyRelay(dataSource: DataSource, transport: Transport, options: OutboxRelayOptions = {}): OutboxRelay {
    return new OutboxRelay(new OutboxRepository(dataSource, 'participant_outbox'), transport, options);
  }

  constructor(
    private readonly dataSource: DataSource,
    /** The participant's name: its inbox rows are its own. */
    readonly participant: string,
  ) {
    this.inbox = new ParticipantInbox(participant);
    this.outbox = new OutboxRepository(dataSource, 'participant_outbox');
    this.deadLetters = new DeadLetterRepository(dataSource, 'participant_dead_letter');
  }

  /**
   * Runs `work` in one transaction of this participant, again from the start
   * when Postgres aborted it to resolve a conflict (each attempt gets a new
   * unit of work). A database that cannot be reached fails it with
   * DependencyUnavailableError. Errors of `work` roll it back and come out
   * as thrown. The transaction's BEGIN goes with its first inbox statement
   * and its COMMIT with `unit.write`, its last (docs/architecture.md, "Round
   * trips of a step"): nothing may run in it after that.
   */
  transaction<T>(work: (unit: ParticipantUnitOfWork) => Promise<T>): Promise<T> {
    return inTransaction(this.dataSource.manager, (tx) => work(new ParticipantUnitOfWork(tx, this.inbox, this.outbox)), { fold: true });
  }

  /** Records the dead letters of this participant's consumer (`participant:<name>`) in `participant_dead_letter`. */
  deadLetterSink(): DeadLetterSink {
    return this.deadLetters.sinkFor(`participant:${this.participant}`);
  }
}
