import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AbortRequested, ResolveCompensation } from '@baton/core';
import { SagaStepUnitOfWork } from '@baton/postgres';
import { Operator } from '../auth/access.decorator';
import { operatorActor, type BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { badRequest } from '../http/problem.exception';
import { sagaIdParam } from '../http/request-params';
import { SagaOrchestrator } from '../sagas/saga-orchestrator.service';
import type { SagaView } from '../sagas/saga.view';

const PROBLEM = { description: 'application/problem+json' };

function textField(body: unknown, field: string, required: boolean): string | undefined {
  const value = (body ?? {}) as Record<string, unknown>;
  const text = value[field];
  if (text === undefined && !required) return undefined;
  if (typeof text !== 'string' || !text.trim() || text.length > 2000) {
    throw badRequest('invalid-body', `"${field}" must be a non-empty string of at most 2000 characters.`, {
      errors: [{ field, message: 'must be a non-empty string' }],
    });
  }
  return text;
}

/**
 * What an operator does to a saga: signal it, abort it, retry what is stuck,
 * resolve a failed compensation by hand. Every action is a step like any
 * other (one transaction, one history row naming who did it) and needs an
 * operator key. An action the saga's state does not accept is a 409 that
 * lists what it accepts now; nothing changes then.
 */
@ApiTags('operator')
@ApiBearerAuth()
@Controller('sagas/:id')
export class OperatorController {
  constructor(
    private readonly unitOfWork: SagaStepUnitOfWork,
    private readonly orchestrator: SagaOrchestrator,
  ) {}

  @Post('signals/:type')
  @Operator()
  @HttpCode(200)
  @ApiOperation({ summary: 'Send the saga a signal: an event its contracts mark as a signal, validated against its schema' })
  @ApiParam({ name: 'type', example: 'AbortRequested' })
  @ApiBody({ schema: { type: 'object' }, description: "The signal's payload" })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 409, description: 'Not accepted in the current state; lists what is. application/problem+json' })
  @ApiResponse({ status: 422, description: 'Not a signal of this saga. application/problem+json' })
  @ApiResponse({ status: 415, ...PROBLEM })
  async signal(
    @Param('id') id: string,
    @Param('type') type: string,
    @Body() body: unknown,
    @Principal() principal?: BatonPrincipal,
  ): Promise<SagaView> {
    const sagaId = sagaIdParam(id);
    await this.unitOfWork.signal(sagaId, type, body ?? {}, operatorActor(principal));
    return this.orchestrator.get(sagaId);
  }

  @Post('abort')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Abort the saga: it compensates what was done and ends "aborted"',
    description: 'Body: { "reason": "..." }. Steps in flight answer first, then compensation runs.',
  })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 409, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async abort(@Param('id') id: string, @Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<SagaView> {
    const sagaId = sagaIdParam(id);
    const reason = textField(body, 'reason', true)!;
    await this.unitOfWork.signal(sagaId, AbortRequested.type, { reason, by: operatorActor(principal) }, operatorActor(principal));
    return this.orchestrator.get(sagaId);
  }

  @Post('retry')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Retry now',
    description:
      'A saga stuck on a failed compensation sends it again; otherwise every command in flight is resent at once (same ids). ' +
      'Body: { "reason": "..." } (optional): the note of the history row the retry writes.',
  })
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } } } })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 409, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async retry(@Param('id') id: string, @Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<SagaView> {
    const sagaId = sagaIdParam(id);
    const reason = textField(body, 'reason', false);
    await this.unitOfWork.retryNow(sagaId, operatorActor(principal), reason);
    return this.orchestrator.get(sagaId);
  }

  @Post('resolve')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Mark a failed compensation as handled by hand',
    description: 'Body: { "note": "..." } (optional). The saga goes on with the next compensation.',
  })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 409, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async resolve(@Param('id') id: string, @Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<SagaView> {
    const sagaId = sagaIdParam(id);
    const note = textField(body, 'note', false);
    await this.unitOfWork.signal(sagaId, ResolveCompensation.type, { by: operatorActor(principal), note }, operatorActor(principal));
    return this.orchestrator.get(sagaId);
  }
}
