import { Inject, Injectable } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import { SagaEngine, SagaNotFoundError, SagaRegistry, signalsAcceptedNow, type SagaRecord, type SagaStatus } from '@baton/core';
import {
  OutboxRepository,
  SagaHistoryRepository,
  SagaRepository,
  SagaStepUnitOfWork,
  SagaTimerRepository,
  type SagaSearch,
  type StartSagaRequest,
  type StartSagaResult,
} from '@baton/postgres';
import { BATON_DATA_SOURCE } from '../baton.tokens';
import { encodeCursor } from '../http/request-params';
import { toDetailView, toHistoryView, toSummaryView, type HistoryEntryView, type SagaView } from './saga.view';

/** A page of sagas, newest first, as `SagaOrchestrator.list` and GET /sagas return it. */
export interface SagaPage {
  items: SagaView[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/**
 * Starts and reads sagas: what the REST controllers call, and what code of
 * the app injects to do the same without HTTP.
 */
@Injectable()
export class SagaOrchestrator {
  private readonly outbox: OutboxRepository;

  constructor(
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly sagas: SagaRepository,
    private readonly history: SagaHistoryRepository,
    private readonly timers: SagaTimerRepository,
    private readonly registry: SagaRegistry,
    private readonly engine: SagaEngine,
    @Inject(BATON_DATA_SOURCE) dataSource: DataSource,
  ) {
    this.outbox = new OutboxRepository(dataSource, 'baton_outbox');
  }

  /**
   * Starts a saga on the newest version of its definition, with its first
   * commands sent through the outbox. An idempotency key that already started
   * a saga of this name returns that saga (`created: false`). Throws
   * UnknownSagaNameError, InvalidMessageError for input the definition's
   * schema refuses, and IdempotencyKeyReusedError for a key reused with other input.
   */
  start(request: StartSagaRequest): Promise<StartSagaResult> {
    return this.unitOfWork.start(request);
  }

  /** The saga with its context, timers and commands in flight; throws SagaNotFoundError for an unknown id. */
  async get(id: string): Promise<SagaView> {
    const saga = await this.sagas.findById(id);
    if (!saga) throw new SagaNotFoundError(id);
    const [timers, traceId] = await Promise.all([this.timers.forSaga(id), this.traceIdOf(id)]);
    return { ...toDetailView(saga, timers), signalsAcceptedNow: this.signalsOf(saga), traceId };
  }

  /**
   * The signals the saga accepts now; none when this host cannot read its
   * machine (its definition version is not registered here): the saga is
   * still shown, and a signal sent anyway gets the step's own error.
   */
  private signalsOf(saga: Omit<SagaRecord, 'status'> & { status: string }): string[] {
    if (!this.registry.get(saga.name, saga.definitionVersion)) return [];
    return signalsAcceptedNow({ engine: this.engine, registry: this.registry }, { ...saga, status: saga.status as SagaStatus });
  }

  /**
   * The saga's trace: the trace id its first command carried in its
   * `traceparent` header (docs/wire-protocol.md, "Headers": each handling span
   * is a child of the sender's, so the saga's messages share one trace). Null
   * when it sent no command, tracing is off, or the outbox row is gone.
   */
  private async traceIdOf(id: string): Promise<string | null> {
    const first = await this.history.firstCommand(id);
    if (!first) return null;
    const traceparent = (await this.outbox.sentMessage(first))?.traceparent;
    return traceparent?.split('-')[1] ?? null;
  }

  /**
   * Sagas newest first, matching every filter given; `after` is the id of
   * the last saga of the previous page (`nextCursor` is that id, base64url-encoded, for the REST API).
   */
  async list(filter: SagaSearch & { limit: number; after?: string }): Promise<SagaPage> {
    const rows = await this.sagas.list({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map(toSummaryView),
      nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  /** How many sagas match the filters, in total and per status (statuses with none are left out). */
  counts(filter: SagaSearch): Promise<{ total: number; byStatus: Record<string, number> }> {
    return this.sagas.countByStatus(filter);
  }

  /** Every transition of the saga, oldest first; throws SagaNotFoundError for an unknown id. */
  async historyOf(id: string): Promise<HistoryEntryView[]> {
    const saga = await this.sagas.findById(id);
    if (!saga) throw new SagaNotFoundError(id);
    return (await this.history.forSaga(id)).map(toHistoryView);
  }
}
