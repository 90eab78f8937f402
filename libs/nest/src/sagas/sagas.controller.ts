import { applyDecorators, Body, Controller, Get, Headers, HttpCode, Param, Post, Query, Res, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { isUuid, SagaRegistry } from '@baton/core';
import { SagaAdmissionInterceptor } from '../admission/saga-admission.interceptor';
import { Operator } from '../auth/access.decorator';
import type { BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { badRequest } from '../http/problem.exception';
import { pageParams, sagaIdParam } from '../http/request-params';
import { SAGA_STATUSES, sagaSearchParams } from './saga-search.params';
import { SagaOrchestrator, type SagaPage } from './saga-orchestrator.service';
import type { HistoryEntryView, SagaView } from './saga.view';

const STATUSES = SAGA_STATUSES;
const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,255}$/;
const PROBLEM = { description: 'application/problem+json' };

/** The filters GET /sagas and GET /sagas/counts share (saga-search.params.ts). */
function SearchQueries() {
  const time = (what: string) => `ISO-8601, e.g. 2026-01-31T12:00:00Z; ${what}`;
  return applyDecorators(
    ApiQuery({ name: 'name', required: false, description: 'Saga name' }),
    ApiQuery({ name: 'version', required: false, description: 'Definition version (needs name)' }),
    ApiQuery({ name: 'status', required: false, enum: STATUSES }),
    ApiQuery({
      name: 'state',
      required: false,
      description: 'A state as a dotted path, e.g. securing.payment.authorizing: sagas in that state or one of its children (any region of a parallel state)',
    }),
    ApiQuery({ name: 'startedAfter', required: false, description: time('started after this moment') }),
    ApiQuery({ name: 'startedBefore', required: false, description: time('started before this moment') }),
    ApiQuery({ name: 'updatedAfter', required: false, description: time('last changed after this moment') }),
    ApiQuery({ name: 'updatedBefore', required: false, description: time('last changed before this moment') }),
    ApiQuery({ name: 'correlationId', required: false }),
    ApiQuery({ name: 'key', required: false, description: 'The Idempotency-Key the saga was started with' }),
    ApiQuery({
      name: 'input.<field>',
      required: false,
      description: 'A field of the start input equals this value, e.g. input.orderId=o-1 (dotted for nested fields)',
    }),
  );
}

function singleQuery(query: Record<string, unknown>, parameter: string): string | undefined {
  const value = query[parameter];
  if (value !== undefined && typeof value !== 'string') {
    throw badRequest('invalid-parameter', `${parameter}: give it once, as a single value.`, { parameter });
  }
  return value;
}

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
  @ApiOperation({
    summary: 'Search sagas, newest first',
    description:
      'Every filter given must hold. Keyset pagination: pass nextCursor as cursor, with the same filters. ' +
      'input.<field>=<value> (any number of them, e.g. input.orderId=o-1 or input.customer.id=c-9) matches a field of the start input ' +
      'as a string, or as the number or boolean the value spells; sagas started before the input was stored never match.',
  })
  @SearchQueries()
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 400, ...PROBLEM })
  list(@Query() query: Record<string, unknown>): Promise<SagaPage> {
    const search = sagaSearchParams(query, this.registry);
    const page = pageParams(singleQuery(query, 'limit'), singleQuery(query, 'cursor'), isUuid);
    return this.orchestrator.list({ ...search, limit: page.limit, after: page.lastId });
  }

  @Get('counts')
  @ApiOperation({ summary: 'How many sagas there are, in total and per status', description: 'Takes the filters of GET /sagas.' })
  @SearchQueries()
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: { total: { type: 'integer' }, byStatus: { type: 'object', additionalProperties: { type: 'integer' }, example: { running: 3, completed: 12 } } },
    },
  })
  @ApiResponse({ status: 400, ...PROBLEM })
  async counts(@Query() query: Record<string, unknown>): Promise<{ total: number; byStatus: Record<string, number> }> {
    const { total, byStatus } = await this.orchestrator.counts(sagaSearchParams(query, this.registry));
    return { total, byStatus: Object.fromEntries(STATUSES.map((status) => [status, byStatus[status] ?? 0])) };
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
