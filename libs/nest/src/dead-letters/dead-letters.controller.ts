import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { DeadLetterStatus } from '@baton/postgres';
import { Operator, Reader } from '../auth/access.decorator';
import { operatorActor, type BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { badRequest } from '../http/problem.exception';
import { pageParams } from '../http/request-params';
import { deadLetterIdParam, isDeadLetterId } from './dead-letter-id';
import type { DeadLetterFacets, DeadLetterPage, DeadLetterView } from './dead-letter.view';
import { DeadLettersService, type ReplayResult } from './dead-letters.service';

const STATUSES: DeadLetterStatus[] = ['open', 'replayed', 'discarded'];
const PROBLEM = { description: 'application/problem+json' };
/** The longest text a filter of the listing takes. */
const MAX_FILTER_LENGTH = 500;


function statusParam(status: unknown): DeadLetterStatus {
  if (status === undefined) return 'open';
  if (typeof status !== 'string' || !STATUSES.includes(status as DeadLetterStatus)) {
    throw badRequest('invalid-status', `status must be one of ${STATUSES.join(', ')}; got ${JSON.stringify(status)}.`);
  }
  return status as DeadLetterStatus;
}

/** A text filter of the listing: absent, or 1 to 500 characters given once. */
function filterParam(name: 'consumer' | 'topic' | 'reason', value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_FILTER_LENGTH) {
    const got = typeof value === 'string' ? `${value.length} characters` : 'it more than once';
    throw badRequest('invalid-filter', `${name} must be given once, as 1 to ${MAX_FILTER_LENGTH} characters; got ${got}. Leave it out to list every ${name}.`, {
      errors: [{ field: name, message: `must be 1 to ${MAX_FILTER_LENGTH} characters` }],
    });
  }
  return value;
}

@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @Reader()
  @ApiOperation({
    summary: 'List dead letters, newest first',
    description: 'Keyset pagination: pass nextCursor as cursor, with the same filters. consumer and topic match exactly; reason is a case-insensitive substring.',
  })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES, description: 'Default open' })
  @ApiQuery({ name: 'consumer', required: false, description: "Exactly this consumer ('orchestrator', 'participant:inventory', ...); 1 to 500 characters" })
  @ApiQuery({ name: 'topic', required: false, description: 'Exactly this topic; 1 to 500 characters' })
  @ApiQuery({ name: 'reason', required: false, description: 'Reasons containing this text, any case; 1 to 500 characters' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 400, ...PROBLEM })
  list(
    @Query('status') status?: unknown,
    @Query('limit') limit?: string,
    @Query('cursor') cursor?: string,
    @Query('consumer') consumer?: unknown,
    @Query('topic') topic?: unknown,
    @Query('reason') reason?: unknown,
  ): Promise<DeadLetterPage> {
    const filters = { consumer: filterParam('consumer', consumer), topic: filterParam('topic', topic), reason: filterParam('reason', reason) };
    const page = pageParams(limit, cursor, isDeadLetterId);
    return this.deadLetters.list({ status: statusParam(status), limit: page.limit, before: page.lastId, ...filters });
  }

  // Before ':id', which would take "facets" for an id.
  @Get('facets')
  @Reader()
  @ApiOperation({
    summary: 'The consumers and topics among dead letters of a status',
    description: 'Distinct values, sorted, at most 200 of each: the choices of the consumer and topic filters of GET /dead-letters.',
  })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES, description: 'Default open' })
  @ApiResponse({
    status: 200,
    schema: {
      type: 'object',
      properties: { consumers: { type: 'array', items: { type: 'string' } }, topics: { type: 'array', items: { type: 'string' } } },
    },
  })
  @ApiResponse({ status: 400, ...PROBLEM })
  facets(@Query('status') status?: unknown): Promise<DeadLetterFacets> {
    return this.deadLetters.facets(statusParam(status));
  }

  @Get(':id')
  @Reader()
  @ApiOperation({ summary: 'A dead letter with its message: the envelope (headers and payload), or the raw message' })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  get(@Param('id') id: string): Promise<DeadLetterView> {
    return this.deadLetters.get(deadLetterIdParam(id));
  }

  @Post(':id/replay')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay a dead letter through the normal step',
    description: "Delivers the stored message as it would have been; the saga's inbox keeps it from applying twice.",
  })
  @ApiResponse({ status: 200, description: "{ outcome: 'applied' | 'duplicate' | 'ignored', deadLetter }" })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 409, description: 'Not open, not replayable, or it failed again (it stays open); application/problem+json' })
  @ApiResponse({ status: 415, ...PROBLEM })
  replay(@Param('id') id: string, @Principal() principal?: BatonPrincipal): Promise<ReplayResult> {
    return this.deadLetters.replay(deadLetterIdParam(id), operatorActor(principal));
  }

  @Post(':id/discard')
  @Operator()
  @HttpCode(200)
  @ApiOperation({ summary: 'Discard a dead letter: it will not be replayed; who, when and why are kept' })
  @ApiBody({ required: false, schema: { type: 'object', properties: { reason: { type: 'string', maxLength: 1000 } } } })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 404, ...PROBLEM })
  @ApiResponse({ status: 409, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  discard(
    @Param('id') id: string,
    @Body() body: unknown,
    @Principal() principal?: BatonPrincipal,
  ): Promise<DeadLetterView> {
    return this.deadLetters.discard(deadLetterIdParam(id), operatorActor(principal), discardReason(body));
  }
}

/** The reason of a discard: none without a body or without "reason"; a 400 problem for a bad one. */
export function discardReason(body: unknown): string | null {
  if (body === undefined) return null;
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const reason = isObject ? (body as { reason?: unknown }).reason : undefined;
  if (isObject && reason === undefined) return null;
  if (typeof reason !== 'string' || !reason.trim() || reason.length > 1000) {
    throw badRequest('invalid-discard-reason', 'Send no body, or a JSON object whose "reason", if given, is a string of 1 to 1000 characters.');
  }
  return reason;
}
