import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Reader } from '../auth/access.decorator';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { SagaGauges } from '../metrics/saga-gauges.service';
import { OverviewSampler } from './overview-sampler.service';
import type { OverviewView } from './overview.view';
import { statePaths } from './state-paths';

/** Most groups of GET /overview's inFlightByState. */
const MAX_GROUPS = 50;
const IN_FLIGHT = ['running', 'compensating', 'stuck'] as const;

/**
 * GET /overview: the health of the sagas at a glance, for a console's small
 * charts. `current` is read now from the database in one snapshot (the
 * gauges' counts and where the sagas in flight wait, which agree with each
 * other); `series` is
 * the sampler's last 15 minutes: this host's step rates, the database's
 * gauges.
 */
@ApiTags('overview')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('overview')
export class OverviewController {
  constructor(
    private readonly gauges: SagaGauges,
    private readonly sampler: OverviewSampler,
  ) {}

  @Get()
  @Reader()
  @ApiOperation({
    summary: 'Sagas in flight, open dead letters, outbox and timers now, and their last 15 minutes',
    description:
      'current: the whole database now; inFlightByState groups sagas in flight by name, status and active leaf states (dot-joined paths, ' +
      'one per region of a parallel state), biggest first, at most 50. series: a sample every sampleIntervalMs, oldest first, at most 180; ' +
      "its rates (steps, starts, ends per second) are this host's own steps, its gauges the whole database's.",
  })
  @ApiResponse({ status: 200, description: '{ at, sampleIntervalMs, current: { inFlight, inFlightByState, deadLettersOpen, outbox, timers }, series }' })
  @ApiResponse({ status: 503, description: 'The database could not be read; application/problem+json' })
  async overview(): Promise<OverviewView> {
    const reading = await this.gauges.databaseReadingByState(MAX_GROUPS);
    if (!reading) {
      throw new ProblemException({
        type: PROBLEM_BASE + 'overview-unavailable',
        title: 'Overview unavailable',
        status: 503,
        detail: 'The database could not be read for the overview (the host logs why). GET /health/ready says whether it is reachable; try again shortly.',
      });
    }
    const inFlight = { running: 0, compensating: 0, stuck: 0 };
    for (const { status, count } of reading.inFlight) {
      if ((IN_FLIGHT as readonly string[]).includes(status)) inFlight[status as (typeof IN_FLIGHT)[number]] += count;
    }
    return {
      at: new Date().toISOString(),
      sampleIntervalMs: this.sampler.sampleIntervalMs,
      current: {
        inFlight,
        inFlightByState: reading.inFlightByState.map(({ name, status, stateValue, count }) => ({ name, status, states: statePaths(stateValue), count })),
        deadLettersOpen: reading.deadLettersOpen,
        outbox: { backlog: reading.backlog.count, oldestAgeMs: reading.backlog.oldestAgeMs },
        timers: { due: reading.timers.due, overdue: reading.timers.overdue },
      },
      series: this.sampler.series(),
    };
  }
}
