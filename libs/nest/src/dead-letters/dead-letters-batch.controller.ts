import { Body, Controller, HttpCode, Logger, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Operator } from '../auth/access.decorator';
import { operatorActor, type BatonPrincipal } from '../auth/baton-principal';
import { Principal } from '../auth/principal.decorator';
import { PROBLEM_BASE, ProblemException } from '../http/problem.exception';
import { BATCH_RESULTS, MAX_BATCH_IDS, batchIds, eachInTurn, type BatchResult } from '../http/batch';
import { isDeadLetterId } from './dead-letter-id';
import { discardReason } from './dead-letters.controller';
import { DeadLettersService } from './dead-letters.service';

const PROBLEM = { description: 'application/problem+json' };
const IDS = { type: 'array', items: { type: 'string', pattern: '^[1-9][0-9]*$' }, minItems: 1, maxItems: MAX_BATCH_IDS, uniqueItems: true };
const DEAD_LETTER_IDS = 'dead-letter ids (positive whole numbers, as strings)';

/**
 * Operator actions on many dead letters at once: each is replayed or
 * discarded exactly as POST /dead-letters/{id}/replay or /discard does (the
 * same service call), one after the other; one result per id says what
 * became of it, so one letter's 404 or 409 does not stop the others.
 */
@ApiTags('dead-letters')
@ApiBearerAuth()
@ApiSecurity('api-key')
@Controller('dead-letters/batch')
export class DeadLettersBatchController {
  private readonly logger = new Logger('DeadLetters');

  constructor(private readonly deadLetters: DeadLettersService) {}

  @Post('replay')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Replay up to 100 dead letters',
    description:
      'Each is replayed as POST /dead-letters/{id}/replay does. done: its detail is what the message did (applied, duplicate, ignored); ' +
      'skipped: not found, not open, or not replayable; failed: it failed again (it stays open) or another error.',
  })
  @ApiBody({ schema: { type: 'object', required: ['ids'], properties: { ids: IDS } } })
  @ApiResponse(BATCH_RESULTS)
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async replay(@Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<{ results: BatchResult[] }> {
    const ids = batchIds(body, DEAD_LETTER_IDS, isDeadLetterId);
    const by = operatorActor(principal);
    return { results: await this.each(ids, 'replay', async (id) => (await this.deadLetters.replay(id, by)).outcome) };
  }

  @Post('discard')
  @Operator()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Discard up to 100 dead letters',
    description: 'Each is discarded as POST /dead-letters/{id}/discard does, with the reason if given; one not found or not open is skipped.',
  })
  @ApiBody({ schema: { type: 'object', required: ['ids'], properties: { ids: IDS, reason: { type: 'string', maxLength: 1000 } } } })
  @ApiResponse(BATCH_RESULTS)
  @ApiResponse({ status: 400, ...PROBLEM })
  @ApiResponse({ status: 415, ...PROBLEM })
  async discard(@Body() body: unknown, @Principal() principal?: BatonPrincipal): Promise<{ results: BatchResult[] }> {
    const ids = batchIds(body, DEAD_LETTER_IDS, isDeadLetterId);
    const reason = discardReason(body);
    const by = operatorActor(principal);
    return {
      results: await this.each(ids, 'discard', async (id) => {
        await this.deadLetters.discard(id, by, reason);
        return 'discarded';
      }),
    };
  }

  private each(ids: readonly string[], action: 'replay' | 'discard', act: (id: string) => Promise<string>): Promise<BatchResult[]> {
    return eachInTurn(ids, act, (id, error) => skipped(id, error), this.logger, `Batch ${action} of dead letter`);
  }
}

/** The single action's problems as one id's result: not found, not open and not replayable are skipped, a replay that failed again failed; undefined for any other error. */
function skipped(id: string, error: unknown): BatchResult | undefined {
  if (!(error instanceof ProblemException)) return undefined;
  const { type, detail } = error.problem;
  if (type === PROBLEM_BASE + 'dead-letter-not-found') return { id, outcome: 'skipped', detail: 'not found' };
  if (type === PROBLEM_BASE + 'dead-letter-not-open') return { id, outcome: 'skipped', detail: `not open: ${String(error.problem.deadLetterStatus)}` };
  if (type === PROBLEM_BASE + 'dead-letter-not-replayable') return { id, outcome: 'skipped', detail };
  if (type === PROBLEM_BASE + 'replay-failed') return { id, outcome: 'failed', detail: `failed again: ${String(error.problem.reason)}` };
  return undefined;
}
