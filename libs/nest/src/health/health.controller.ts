import { Controller, Get, UseFilters } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { Public } from '../auth/access.decorator';
import { DatabaseHealthIndicator } from './database.health-indicator';
import { HealthCheckFailedFilter } from './health-check-failed.filter';
import { TransportHealthIndicator } from './transport.health-indicator';

@ApiTags('operations')
@Controller('health')
@UseFilters(HealthCheckFailedFilter)
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: DatabaseHealthIndicator,
    private readonly transport: TransportHealthIndicator,
  ) {}

  @Get('live')
  @Public()
  @HealthCheck()
  @ApiOperation({ summary: 'Liveness: 200 while the process serves requests' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary: 'Readiness: 200 when migrations ran, the database answers and the transport is connected; 503 naming what is not',
  })
  ready() {
    return this.health.check([
      () => this.database.migrationsRan('migrations'),
      () => this.database.answers('database'),
      () => this.transport.connected('transport'),
    ]);
  }
}
