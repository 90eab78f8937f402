import { Injectable, Logger } from '@nestjs/common';
import { isPermanentFailure, isUuid } from '@baton/core';
import { DeadLetterRepository, SagaStepUnitOfWork, type DeadLetterPageFilter, type DeadLetterStatus, type DeliveryResult } from '@baton/postgres';
import { encodeCursor } from '../http/request-params';
import { deadLetterNotFound, deadLetterNotOpen, deadLetterNotReplayable, replayFailed } from './dead-letter.problems';
import { toDeadLetterView, type DeadLetterFacets, type DeadLetterPage, type DeadLetterView } from './dead-letter.view';
import { storedEnvelope } from './stored-envelope';

export interface ReplayResult {
  /** What the message did: 'applied', 'duplicate' (it had been applied before) or 'ignored' (the saga did not accept it). */
  outcome: DeliveryResult;
  deadLetter: DeadLetterView;
}

/**
 * The orchestrator's dead letters for operators: list, inspect, replay
 * through the normal step (inbox, saga lock, engine), or discard. `by` is who
 * did it (`operator:<key name>`); history and the letter record it.
 */
@Injectable()
export class DeadLettersService {
  private readonly logger = new Logger('DeadLetters');

  constructor(
    private readonly deadLetters: DeadLetterRepository,
    private readonly unitOfWork: SagaStepUnitOfWork,
  ) {}

  async list(filter: DeadLetterPageFilter): Promise<DeadLetterPage> {
    const rows = await this.deadLetters.page({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map((letter) => toDeadLetterView(letter)),
      nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** At most this many consumers, and as many topics, for a console's filters. */
  facets(status: DeadLetterStatus): Promise<DeadLetterFacets> {
    return this.deadLetters.facets(status, 200);
  }

  async get(id: string): Promise<DeadLetterView> {
    return toDeadLetterView(await this.find(id), true);
  }

  /**
   * Delivers the stored envelope as if it had just arrived. A message that
   * fails again the same way leaves the letter open with one more attempt.
   */
  async replay(id: string, by: string): Promise<ReplayResult> {
    const letter = await this.find(id);
    if (letter.status !== 'open') throw deadLetterNotOpen(letter);
    if (letter.consumer !== 'orchestrator') {
      throw deadLetterNotReplayable(id, `it was given up by consumer "${letter.consumer}", and only the orchestrator's own messages are replayed here`);
    }
    const envelope = storedEnvelope(letter.envelope);
    if (!envelope) {
      throw deadLetterNotReplayable(id, 'its message could not be decoded when it arrived (not JSON, or headers missing), so there is no envelope to deliver');
    }
    if (!isUuid(envelope.sagaId)) throw deadLetterNotReplayable(id, `its saga id "${envelope.sagaId}" is not a uuid, so no saga can take it`);

    let outcome: DeliveryResult;
    try {
      outcome = await this.unitOfWork.deliver(envelope, by);
    } catch (error) {
      if (!isPermanentFailure(error)) throw error;
      const reason = (error as Error).message;
      await this.deadLetters.recordFailedReplay(id, reason);
      this.logger.warn(`Dead letter ${id} (${envelope.type} ${envelope.messageId}) replayed by ${by} failed again: ${reason}`);
      throw replayFailed(id, reason);
    }
    const replayed = await this.deadLetters.markReplayed(id, by, outcome);
    if (!replayed) throw deadLetterNotOpen(await this.find(id), outcome);
    this.logger.log(`Dead letter ${id} (${envelope.type} ${envelope.messageId} for saga ${envelope.sagaId}) replayed by ${by}: ${outcome}`);
    return { outcome, deadLetter: toDeadLetterView(replayed, true) };
  }

  async discard(id: string, by: string, reason: string | null): Promise<DeadLetterView> {
    const letter = await this.find(id);
    if (letter.status !== 'open') throw deadLetterNotOpen(letter);
    const discarded = await this.deadLetters.markDiscarded(id, by, reason);
    // Replayed or discarded by another request since it was read.
    if (!discarded) throw deadLetterNotOpen(await this.find(id));
    this.logger.log(`Dead letter ${id} (${letter.messageType} ${letter.messageId}) discarded by ${by}${reason ? `: ${reason}` : ''}`);
    return toDeadLetterView(discarded, true);
  }

  private async find(id: string) {
    const letter = await this.deadLetters.findById(id);
    if (!letter) throw deadLetterNotFound(id);
    return letter;
  }
}
