import { ParticipantSchema1763800000101 } from './0101-participant-schema.migration';
import { ParticipantRepliesAndFences1763800000102 } from './0102-participant-replies-and-fences.migration';
import { ParticipantDeadLetterRawBytes1763800000103 } from './0103-participant-dead-letter-raw-bytes.migration';
import { ParticipantOutboxSender1763800000104 } from './0104-participant-outbox-sender.migration';

/** Every migration of a participant's tables, in order: put them before an app's own migrations. */
export const PARTICIPANT_MIGRATIONS = [
  ParticipantSchema1763800000101,
  ParticipantRepliesAndFences1763800000102,
  ParticipantDeadLetterRawBytes1763800000103,
  ParticipantOutboxSender1763800000104,
];
