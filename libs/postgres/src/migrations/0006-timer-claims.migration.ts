import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A due timer is claimed by one poller before its step fires it
 * (SagaTimerRepository.claimDue): pollers of several replicas take
 * different timers, and a claim left by a process that died runs out.
 */
export class TimerClaims1763800000006 implements MigrationInterface {
  name = 'TimerClaims1763800000006';

  async up(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_timer ADD COLUMN claimed_until timestamptz`);
  }

  async down(db: QueryRunner): Promise<void> {
    await db.query(`ALTER TABLE baton_timer DROP COLUMN claimed_until`);
  }
}
