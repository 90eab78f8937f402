import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import { SagaRegistry, UnknownSagaNameError } from '@baton/core';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { toDefinitionView } from './definition.view';

@ApiTags('definitions')
@Controller('definitions')
export class DefinitionsController {
  constructor(private readonly registry: SagaRegistry) {}

  @Get()
  @ApiOperation({ summary: 'The sagas this host runs, with their versions' })
  list() {
    return this.registry.names().map((name) => ({
      name,
      versions: this.registry.versions(name),
      latest: this.registry.latest(name)!.version,
      description: this.registry.latest(name)!.description,
    }));
  }

  @Get(':name')
  @ApiOperation({ summary: 'A saga definition: input and message schemas, which replies answer each command, and the statechart as JSON' })
  @ApiQuery({ name: 'version', required: false, description: 'Defaults to the newest' })
  @ApiResponse({ status: 404, description: 'application/problem+json' })
  get(@Param('name') name: string, @Query('version') version?: string) {
    const latest = this.registry.latest(name);
    if (!latest) throw new UnknownSagaNameError(name, this.registry.names());
    const versions = this.registry.versions(name);
    const definition = version === undefined ? latest : this.registry.get(name, Number(version));
    if (!definition) {
      throw new ProblemException({
        type: PROBLEM_BASE + 'unknown-version',
        title: 'Unknown saga version',
        status: 404,
        detail: `Saga "${name}" has no version "${version}"; it has ${versions.join(', ')}.`,
      });
    }
    return toDefinitionView(definition, versions);
  }
}
