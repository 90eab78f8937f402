import { Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isUuid, SagaRegistry, TERMINAL_STATUSES, type SagaStatus } from '@baton/core';
import { SagaAdmissionInterceptor } from '../admission/saga-admission.interceptor';
import { Operator } from '../auth/access.decorator';
import type { BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { badRequest } from '../http/problem.exception';
import { pageParams, sagaIdParam } from '../http/request-params';
import { SagaOrchestrator, type SagaPage } from './saga-orchestrator.service';
import type { HistoryEntryView, SagaView } from './saga.view';

const STATUSES: SagaStatus[] = ['running', 'compensating', ...TERMINAL_STATUSES];
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const PROBLEM = { description: 'application/problem+json' };

@ApiTags('sagas')
@Controller('sagas')
export class SagasController {
  constructor(
    private readonly orchestrator: SagaOrchestrator,
    private readonly registry: SagaRegistry,
  ) {}

  @Post(':name')
  @Operator()
  @UseInterceptors(SagaAdmissionInterceptor)
  @HttpCode(202)
  @ApiBearerAuth()
  @ApiSecurity('api-key')
  @ApiOperation({ summary: 'Start a saga', description: 'The body is the saga input; see GET /definitions/{name} for its schema.' })
  @ApiParam({ name: 'name', example: 'order-fulfillment' })
  @ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'Sending the same key again (same saga name, same body) returns the saga it started instead of a new one.',
  })
  @ApiBody({ description: 'The saga input', schema: { type: 'object' } })
  @ApiResponse({ status: 202, description: 'Started; Location names the saga.' })
  @ApiResponse({ status: 200, description: 'The Idempotency-Key had already started this saga; here it is.' })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 413, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  @ApiResponse({ status: 403, ...PROBLEM })
  @ApiResponse({ status: 422, ...PROBLEM })
  @ApiResponse({ status: 429, description: 'Too many starts or sagas in flight; Retry-After says when to retry. application/problem+json' })
  async start(
    @Param('name') name: string,
    @Body() body: unknown,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) response: Response,
    @Principal() principal?: BatonPrincipal,
  ): Promise<SagaView> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw badRequest('malformed-idempotency-key', 'Idempotency-Key must be 1 to 255 visible ASCII characters.');
    }
    const actor = principal ? `api:${principal.name}` : undefined;
    const { sagaId, created } = await this.orchestrator.start({ name, input: body, idempotencyKey, actor });
    response.status(created ? 202 : 200).location(`/sagas/${sagaId}`);
    return this.orchestrator.get(sagaId);
  }

  @Get()
  @ApiOperation({ summary: 'List sagas, newest first', description: 'Keyset pagination: pass nextCursor as cursor.' })
  @ApiQuery({ name: 'name', required: false })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 400, ...PROBLEM })
  list(
    @Query('name') name?: string,
    @Query('status') status?: string,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
  ): Promise<SagaPage> {
    if (name !== undefined && !this.registry.latest(name)) {
      throw badRequest('unknown-saga', `No saga is defined with name "${name}".`, { known: this.registry.names() });
    }
    if (status !== undefined && !STATUSES.includes(status as SagaStatus)) {
      throw badRequest('invalid-status', `status must be one of ${STATUSES.join(', ')}; got "${status}".`);
    }
    const page = pageParams(limit, cursor, isUuid);
    return this.orchestrator.list({ name, status, limit: page.limit, after: page.lastId });
  }

  @Get(':id')
  @ApiOperation({ summary: 'Get a saga: state, status, context, version, timestamps, armed timers' })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  get(@Param('id') id: string): Promise<SagaView> {
    return this.orchestrator.get(sagaIdParam(id));
  }

  @Get(':id/history')
  @ApiOperation({ summary: "A saga's timeline: one entry per input it handled" })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  async history(@Param('id') id: string): Promise<{ sagaId: string; items: HistoryEntryView[] }> {
    const sagaId = sagaIdParam(id);
    return { sagaId, items: await this.orchestrator.historyOf(sagaId) };
  }
}
