import type { DataSource } from 'typeorm';
import { distribution, type Distribution } from './percentiles';

/** The legs of one command's round trip, and the relay's marks, as the benchmark prints them. */
export const PHASES = {
  hostToParticipant: 'host step began → participant step began (host transaction, commit, relay, delivery, participant queue)',
  participantToHost: 'participant step began → host step applying its reply began (participant transaction, commit, relay, delivery, host batch and lock)',
  roundTrip: 'round trip: host step → the host step applying the reply',
  commandMarked: "command written → marked published by the host's relay",
  replyMarked: "reply written → marked published by the participant's relay",
} as const;

export type Phase = keyof typeof PHASES;

/**
 * Where the commands of the sagas whose correlation id starts with
 * `prefix` spent their round trip, from the timestamps the tables keep, each
 * the start of its transaction (now()): the host step that wrote the command
 * (baton_outbox.created_at), the participant step that handled it
 * (participant_inbox.received_at, which also wrote the reply), and the host
 * step that applied the reply (its history row, found by the reply's
 * message id). The benchmark's participants run in the host's database, so
 * the rows meet. The relays' "published" marks are given apart: in process
 * a publish returns once the receiver's step committed, so a mark there
 * comes after the next leg has begun; over Kafka it is the broker's ack.
 */
export async function latencyBreakdown(dataSource: DataSource, prefix: string): Promise<Record<Phase, Distribution> & { commands: number }> {
  const rows: Array<Record<Phase, string>> = await dataSource.query(
    `SELECT EXTRACT(EPOCH FROM (i.received_at - o.created_at)) * 1000 AS "hostToParticipant",
            EXTRACT(EPOCH FROM (h.at - i.received_at)) * 1000 AS "participantToHost",
            EXTRACT(EPOCH FROM (h.at - o.created_at)) * 1000 AS "roundTrip",
            EXTRACT(EPOCH FROM (o.published_at - o.created_at)) * 1000 AS "commandMarked",
            EXTRACT(EPOCH FROM (r.published_at - r.created_at)) * 1000 AS "replyMarked"
       FROM baton_saga s
       JOIN baton_outbox o ON o.saga_id = s.id AND o.published_at IS NOT NULL
       JOIN participant_inbox i ON i.message_id = o.message_id::text
       JOIN participant_outbox r ON r.saga_id = s.id AND r.envelope->>'causationId' = o.message_id::text AND r.published_at IS NOT NULL
       JOIN baton_saga_history h ON h.saga_id = s.id AND h.message_id = r.message_id::text
      WHERE s.correlation_id LIKE $1`,
    [`${prefix}%`],
  );
  const of = (phase: Phase) => distribution(rows.map((row) => Number(row[phase])));
  return {
    commands: rows.length,
    hostToParticipant: of('hostToParticipant'),
    participantToHost: of('participantToHost'),
    roundTrip: of('roundTrip'),
    commandMarked: of('commandMarked'),
    replyMarked: of('replyMarked'),
  };
}
