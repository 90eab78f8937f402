import { Body, Controller, HttpCode, Logger, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AbortRequested, SagaNotFoundError, SignalRejectedError, isTerminalStatus, isUuid, type SagaStatus } from '@baton/core';
import { SagaRepository, SagaStepUnitOfWork } from '@baton/postgres';
import { Operator } from '../auth/access.decorator';
import { operatorActor, type BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { BATCH_RESULTS, MAX_BATCH_IDS, batchIds, eachInTurn, type BatchResult } from '../http/batch';
import { badRequest } from '../http/problem.exception';

const PROBLEM = { description: 'application/problem+json' };

const BATCH_BODY = {
  schema: {
    type: 'object',
    required: ['ids', 'reason'],
    properties: {
      ids: { type: 'array', items: { type: 'string', format: 'uuid' }, minItems: 1, maxItems: MAX_BATCH_IDS },
      reason: { type: 'string', maxLength: 2000 },
    },
  },
};

function batchBody(body: unknown): { ids: string[]; reason: string } {
  const ids = batchIds(body, 'saga ids (UUIDs)', isUuid, (id) => id.toLowerCase());
  const { reason } = body as { reason?: unknown };
  if (typeof reason !== 'string' || !reason.trim() || reason.length > 2000) {
    throw badRequest('invalid-body', '"reason" must be a non-empty string of at most 2000 characters.', {
      errors: [{ field: 'reason', message: 'must be a non-empty string' }],
    });
  }
  return { ids, reason };
}

/**
 * Operator actions on many sagas at once (docs/architecture.md): each saga
 * is acted on exactly as the single action of OperatorController does (a
 * step of its own, in its own transaction, with the same history row), one
 * after the other; one result per id says what became of it.
 */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('sagas/batch')
export class BatchOperatorController {
  private readonly logger = new Logger('BatchOperator');

  constructor(
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly sagas: SagaRepository,
  ) {}

  @Post('abort')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Abort up to 100 sagas',
    description: 'Each saga is aborted as POST /sagas/{id}/abort does, with this reason; a saga that ended or does not accept an abort now is skipped.',
  })
  @ApiBody(BATCH_BODY)
  @ApiResponse(BATCH_RESULTS)
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async abort(@Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<{ results: BatchResult[] }> {
    const { ids, reason } = batchBody(body);
    const actor = operatorActor(principal);
    return {
      results: await this.each(ids, 'abort', async (id) => {
        await this.unitOfWork.signal(id, AbortRequested.type, { reason, by: actor }, actor);
        return 'abort requested: steps in flight answer first, then compensation runs';
      }),
    };
  }

  @Post('retry')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry up to 100 sagas now',
    description:
      'Each saga is retried as POST /sagas/{id}/retry does: a stuck saga sends its failed compensation again, a running one resends its commands in flight. ' +
      "The reason is the note of each saga's history row for the retry, as the single retry's optional reason is.",
  })
  @ApiBody(BATCH_BODY)
  @ApiResponse(BATCH_RESULTS)
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async retry(@Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<{ results: BatchResult[] }> {
    const { ids, reason } = batchBody(body);
    const actor = operatorActor(principal);
    this.logger.log(`Batch retry of ${ids.length} saga(s) by ${actor}: ${reason}`);
    return {
      results: await this.each(ids, 'retry', async (id, status) => {
        await this.unitOfWork.retryNow(id, actor, reason);
        return status === 'stuck' ? 'failed compensation sent again' : 'commands in flight sent again';
      }),
    };
  }

  private each(ids: readonly string[], action: 'abort' | 'retry', act: (id: string, status: SagaStatus) => Promise<string>): Promise<BatchResult[]> {
    return eachInTurn(
      ids,
      async (id) => {
        const status = (await this.sagas.findById(id))?.status as SagaStatus | undefined;
        if (status === undefined) throw new SagaNotFoundError(id);
        return act(id, status);
      },
      (id, error) => this.skipped(id, action, error),
      this.logger,
      `Batch ${action} of saga`,
    );
  }

  /** Why an id the action does not apply to was skipped; undefined for any other error. */
  private async skipped(id: string, action: 'abort' | 'retry', error: unknown): Promise<BatchResult | undefined> {
    if (error instanceof SagaNotFoundError) return { id, outcome: 'skipped', detail: 'not found' };
    if (!(error instanceof SignalRejectedError)) return undefined;
    const status = (await this.sagas.findById(id))?.status as SagaStatus | undefined;
    if (status && isTerminalStatus(status)) return { id, outcome: 'skipped', detail: `already ended (${status})` };
    if (action === 'retry') return { id, outcome: 'skipped', detail: 'not stuck: nothing to retry (no failed compensation, no command in flight)' };
    return { id, outcome: 'skipped', detail: error.message };
  }
}
