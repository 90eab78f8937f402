import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { readSagaChart, SagaRegistry, UnknownSagaNameError, type SagaDefinition } from '@baton/core';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { DefinitionDiagrams } from './definition-diagrams';
import { definitionVersion } from './definition-version';
import { toDefinitionView } from './definition.view';

const VERSION_QUERY = { name: 'version', required: false, description: 'A positive integer; defaults to the newest' } as const;

// Reads, like every GET of SagaModule's controllers: a reader key when reads are protected (auth.protectReads), none otherwise.
@ApiTags('definitions')
@Controller('definitions')
export class DefinitionsController {
  private readonly diagrams = new DefinitionDiagrams();

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
  @ApiQuery(VERSION_QUERY)
  @ApiResponse({ status: 400, description: 'application/problem+json: version is not a positive integer' })
  @ApiResponse({ status: 404, description: 'application/problem+json' })
  get(@Param('name') name: string, @Query('version') version?: unknown) {
    const definition = this.definition(name, version);
    return toDefinitionView(definition, this.registry.versions(name));
  }

  @Get(':name/chart')
  @ApiOperation({
    summary: "A saga definition's statechart, as drawn: states (kind, parent, children, what each sends, timers), transitions by index, compensations",
    description:
      'The same model `baton graph` draws. Transition indexes and state ids are those of the SVG of GET /definitions/{name}/diagram.svg ' +
      '(`state:<id>` ids, `baton-t<index>` classes), so a console can highlight a saga on it.',
  })
  @ApiParam({ name: 'name', description: 'The saga name' })
  @ApiQuery(VERSION_QUERY)
  @ApiResponse({ status: 200, description: 'The chart as JSON' })
  @ApiResponse({ status: 400, description: 'application/problem+json: version is not a positive integer' })
  @ApiResponse({ status: 404, description: 'application/problem+json: no saga of that name, or no such version' })
  chart(@Param('name') name: string, @Query('version') version?: unknown) {
    return readSagaChart(this.definition(name, version));
  }

  @Get(':name/diagram.svg')
  @ApiOperation({
    summary: "A saga definition's statechart laid out as SVG (Graphviz), each state's <g> with id state:<id>, each transition's edges with class baton-t<index>",
    description: 'Rendered once per name and version while the host runs; cacheable for an hour.',
  })
  @ApiParam({ name: 'name', description: 'The saga name' })
  @ApiQuery(VERSION_QUERY)
  @ApiProduces('image/svg+xml')
  @ApiResponse({ status: 200, description: 'The SVG', content: { 'image/svg+xml': { schema: { type: 'string' } } } })
  @ApiResponse({ status: 400, description: 'application/problem+json: version is not a positive integer' })
  @ApiResponse({ status: 404, description: 'application/problem+json: no saga of that name, or no such version' })
  async diagram(@Param('name') name: string, @Query('version') version: unknown, @Res({ passthrough: true }) response: Response): Promise<string> {
    const svg = await this.diagrams.svgOf(this.definition(name, version));
    // Set here, not by @Header: Nest would set those on a 404 problem too, and a cached 404 outlives a deploy that adds the version.
    response.setHeader('Content-Type', 'image/svg+xml; charset=utf-8');
    response.setHeader('Cache-Control', 'private, max-age=3600');
    response.setHeader('X-Content-Type-Options', 'nosniff');
    return svg;
  }

  /** The definition asked for (the newest when no version is given), or the 400 or 404 problem saying why not. */
  private definition(name: string, version: unknown): SagaDefinition {
    const wanted = definitionVersion(version);
    const latest = this.registry.latest(name);
    if (!latest) throw new UnknownSagaNameError(name, this.registry.names());
    const definition = wanted === undefined ? latest : this.registry.get(name, wanted);
    if (!definition) {
      throw new ProblemException({
        type: PROBLEM_BASE + 'unknown-version',
        title: 'Unknown saga version',
        status: 404,
        detail: `Saga "${name}" has no version "${wanted}"; it has ${this.registry.versions(name).join(', ')}.`,
      });
    }
    return definition;
  }
}
