import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { SagaRegistry, type TopicNames } from '@baton/core';
import { BATON_TOPICS } from '../baton.tokens';
import { SAGA_MODULE_OPTIONS } from '../saga.module-definition';
import type { SagaModuleOptions } from '../saga-module.options';
import { asyncApiDocument, type AsyncApiDocument } from './asyncapi.document';

/** The AsyncAPI document of the registered sagas' messages, on this host's topics; a read, like GET /definitions. */
@ApiTags('definitions')
@Controller()
export class AsyncApiController {
  private document?: AsyncApiDocument;

  constructor(
    private readonly registry: SagaRegistry,
    @Inject(BATON_TOPICS) private readonly topics: TopicNames,
    @Inject(SAGA_MODULE_OPTIONS) private readonly options: SagaModuleOptions,
  ) {}

  @Get('asyncapi.json')
  @ApiOperation({
    summary: "AsyncAPI 3.0.0 document of the sagas' commands and replies: the participants' command topics and the replies topic",
  })
  get(): AsyncApiDocument {
    // The sagas and topics are fixed at start: made once, on the first request.
    return (this.document ??= asyncApiDocument(this.registry, { ...this.options.asyncApi, topics: this.topics }));
  }
}
