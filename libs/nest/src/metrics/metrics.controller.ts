import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Registry } from 'prom-client';
import { Public } from '../auth/access.decorator';
import { BATON_METRICS_REGISTRY } from '../baton.tokens';

@ApiTags('operations')
@Controller('metrics')
export class MetricsController {
  constructor(@Inject(BATON_METRICS_REGISTRY) private readonly registry: Registry) {}

  @Get()
  @Public()
  @ApiOperation({ summary: 'Prometheus metrics', description: 'Text exposition format; see README, "Metrics", for what each one means.' })
  @ApiProduces('text/plain')
  async scrape(@Res({ passthrough: true }) response: Response): Promise<string> {
    const text = await this.registry.metrics();
    response.setHeader('Content-Type', this.registry.contentType);
    response.setHeader('Cache-Control', 'no-store');
    return text;
  }
}
