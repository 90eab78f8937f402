import { Injectable } from '@nestjs/common';
import { SagaNotFoundError } from '@baton/core';
import {
  SagaHistoryRepository,
  SagaRepository,
  SagaStepUnitOfWork,
  SagaTimerRepository,
  type StartSagaRequest,
  type StartSagaResult,
} from '@baton/postgres';
import { encodeCursor } from '../http/request-params';
import { toDetailView, toHistoryView, toSummaryView, type HistoryEntryView, type SagaView } from './saga.view';

export interface SagaPage {
  items: SagaView[];
  /** Pass as `cursor` to get the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Starts and reads sagas. What the REST controllers, and any code of the host app, call. */
@Injectable()
export class SagaOrchestrator {
  constructor(
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly sagas: SagaRepository,
    private readonly history: SagaHistoryRepository,
    private readonly timers: SagaTimerRepository,
  ) {}

  start(request: StartSagaRequest): Promise<StartSagaResult> {
    return this.unitOfWork.start(request);
  }

  async get(id: string): Promise<SagaView> {
    const saga = await this.sagas.findById(id);
    if (!saga) throw new SagaNotFoundError(id);
    return toDetailView(saga, await this.timers.forSaga(id));
  }

  async list(filter: { name?: string; status?: string; limit: number; after?: string }): Promise<SagaPage> {
    const rows = await this.sagas.list({ ...filter, limit: filter.limit + 1 });
    const page = rows.slice(0, filter.limit);
    return {
      items: page.map(toSummaryView),
      nextCursor: rows.length > filter.limit ? encodeCursor(page[page.length - 1].id) : null,
    };
  }

  async historyOf(id: string): Promise<HistoryEntryView[]> {
    const saga = await this.sagas.findById(id);
    if (!saga) throw new SagaNotFoundError(id);
    return (await this.history.forSaga(id)).map(toHistoryView);
  }
}
