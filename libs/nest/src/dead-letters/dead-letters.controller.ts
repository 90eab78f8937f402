import { Body, Controller, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiQuery, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import type { DeadLetterStatus } from '@baton/postgres';
import { Operator, Reader } from '../auth/access.decorator';
import type { BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { badRequest } from '../http/problem.exception';
import { pageParams } from '../http/request-params';
import type { DeadLetterPage, DeadLetterView } from './dead-letter.view';
import { DeadLettersService, type ReplayResult } from './dead-letters.service';

const STATUSES: DeadLetterStatus[] = ['open', 'replayed', 'discarded'];
/** Ids are bigserial: a positive whole number that fits in 63 bits. */
const ID = /^[1-9][0-9]{0,18}$/;
const MAX_ID = 2n ** 63n - 1n;
const PROBLEM = { description: 'application/problem+json' };

const isId = (value: string) => ID.test(value) && BigInt(value) <= MAX_ID;

function deadLetterIdParam(id: string): string {
  if (!isId(id)) throw badRequest('malformed-id', `"${id}" is not a dead-letter id; dead-letter ids are positive whole numbers.`);
  return id;
}

const operatorName = (principal: BatonPrincipal | undefined) => `operator:${principal?.name ?? 'anonymous'}`;

@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('dead-letters')
export class DeadLettersController {
  constructor(private readonly deadLetters: DeadLettersService) {}

  @Get()
  @Reader()
  @ApiOperation({ summary: 'List dead letters, newest first', description: 'Keyset pagination: pass nextCursor as cursor.' })
  @ApiQuery({ name: 'status', required: false, enum: STATUSES, description: 'Default open' })
  @ApiQuery({ name: 'limit', required: false, description: '1 to 500, default 50' })
  @ApiQuery({ name: 'cursor', required: false })
  @ApiResponse({ status: 400, ...PROBLEM })
  list(@Query('status') status?: string, @Query('limit') limit?: string, @Query('cursor') cursor?: string): Promise<DeadLetterPage> {
    if (status !== undefined && !STATUSES.includes(status as DeadLetterStatus)) {
      throw badRequest('invalid-status', `status must be one of ${STATUSES.join(', ')}; got "${status}".`);
    }
    const page = pageParams(limit, cursor, isId);
    return this.deadLetters.list({ status: (status as DeadLetterStatus | undefined) ?? 'open', limit: page.limit, before: page.lastId });
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
    return this.deadLetters.replay(deadLetterIdParam(id), operatorName(principal));
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
    return this.deadLetters.discard(deadLetterIdParam(id), operatorName(principal), discardReason(body));
  }
}

function discardReason(body: unknown): string | null {
  if (body === undefined) return null;
  const isObject = typeof body === 'object' && body !== null && !Array.isArray(body);
  const reason = isObject ? (body as { reason?: unknown }).reason : undefined;
  if (isObject && reason === undefined) return null;
  if (typeof reason !== 'string' || !reason.trim() || reason.length > 1000) {
    throw badRequest('invalid-discard-reason', 'Send no body, or a JSON object whose "reason", if given, is a string of 1 to 1000 characters.');
  }
  return reason;
}
