/**
 * What `BatonServer.status` emits: 'listening' once its participants
 * consume their command topics and its relay publishes their replies,
 * 'closed' once `close` has drained them. The broker connection is the Baton
 * transport's own affair (Transport.health()).
 */
export type BatonServerStatus = 'listening' | 'closed';

/** The events `BatonServer.on` registers listeners for: the same moments as BatonServerStatus. */
export type BatonServerEvents = {
  /** The server listens: its participants consume, its relay publishes. */
  listening: () => void;
  /** The server closed: the commands in hand finished, the relay and, if it manages it, the transport stopped. */
  closed: () => void;
};
