import { Controller, Get, Headers, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { isUuid, SagaRegistry } from '@baton/core';
import { Reader } from '../auth/access.decorator';
import { badRequest } from '../http/problem.exception';
import { SagaEventsHub } from './saga-events.hub';

const MAX_IDS = 100;
const HISTORY_ID = /^\d{1,19}$/;
const PROBLEM = { description: 'application/problem+json' };

/**
 * GET /sagas/events: committed saga steps as Server-Sent Events. Listed
 * before SagasController in SagaModule, so `/sagas/:id` does not take it.
 */
@ApiTags('sagas')
@Controller('sagas/events')
export class SagaEventsController {
  constructor(
    private readonly hub: SagaEventsHub,
    private readonly registry: SagaRegistry,
  ) {}

  @Get()
  @Reader()
  @ApiOperation({
    summary: 'Live committed saga steps (text/event-stream)',
    description:
      'One `step` event per committed history entry, its `id:` the entry id: reconnect with Last-Event-ID to get what was missed ' +
      '(beyond the bound, a `reload` event). `: keep-alive` comments keep idle streams open; a client that cannot keep up is dropped with a `dropped` event.',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'id', required: false, description: `Saga ids, repeated or comma-separated, at most ${MAX_IDS}` })
  @ApiQuery({ name: 'name', required: false })
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 401, ...PROBLEM })
  async stream(
    @Req() request: Request,
    @Res() response: Response,
    @Query('id') id?: string | string[],
    @Query('name') name?: string | string[],
    @Headers('last-event-id') lastEventId?: string,
  ): Promise<void> {
    const ids = (Array.isArray(id) ? id : id === undefined ? [] : [id]).flatMap((part) => String(part).split(',')).map((part) => part.trim());
    if (ids.length > MAX_IDS) throw badRequest('too-many-ids', `At most ${MAX_IDS} saga ids may be named; got ${ids.length}.`);
    const malformed = ids.find((part) => !isUuid(part));
    if (malformed !== undefined) throw badRequest('invalid-saga-id', `Saga ids are UUIDs; got "${malformed.slice(0, 64)}".`);
    if (Array.isArray(name)) throw badRequest('invalid-name', 'name may be given once.');
    if (name !== undefined && !this.registry.latest(name)) {
      throw badRequest('unknown-saga', `No saga is defined with name "${name.slice(0, 200)}".`, { known: this.registry.names() });
    }
    if (lastEventId !== undefined && !HISTORY_ID.test(lastEventId)) {
      throw badRequest('invalid-last-event-id', 'Last-Event-ID must be the id of an event of this stream (digits).');
    }

    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('Connection', 'keep-alive');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    request.socket.setNoDelay(true);
    await this.hub.subscribe(response, { ids: ids.length ? ids : undefined, name }, lastEventId);
  }
}
