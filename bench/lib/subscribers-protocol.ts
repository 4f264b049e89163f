// What S5's parent and its subscriber process (bench/load/ws-subscribers.ts)
// say to each other over IPC, and what both kinds of server send.

/** Redis channel prefix of the bare ws baseline (Dengon's own channels are `account:<id>`). */
export const BASELINE_CHANNEL_PREFIX = 'bench-ws:account:';

/**
 * One subscriber. `graphql-ws`: speaks graphql-transport-ws by hand
 * (connection_init with the token, one subscribe with id "1"); `raw`: sends
 * the account id and waits for "joined" (the bare baseline). Both count the
 * `next` frames of operation "1" and nothing else.
 */
export type SubscriberSpec =
  | { url: string; protocol: 'graphql-ws'; account: number; authorization: string; query: string; variables: Record<string, unknown> }
  | { url: string; protocol: 'raw'; account: number; join: string };

export type ToSubscribers =
  | { type: 'connect'; subscribers: SubscriberSpec[] }
  /** Zero every counter and sample (before a measured round). */
  | { type: 'reset' }
  | { type: 'report' }
  | { type: 'close' };

export type SubscribersReport = {
  /** `next` frames per subscriber, in spec order. */
  received: number[];
  /** ms from the event's occurredAt to receipt, every frame since the last reset. */
  latenciesMs: number[];
  /** Date.now() of the last frame since the last reset (0: none). */
  lastAt: number;
  /** Frames that were not a `next` of operation "1" (errors, completes), with a sample. */
  unexpected: number;
  unexpectedSample: string | null;
  /** Sockets closed by the server since connecting, with the first code and reason. */
  closed: number;
  closedSample: string | null;
};

export type FromSubscribers =
  | { type: 'connected'; failed: number; firstError: string | null }
  | { type: 'reset' }
  | { type: 'report'; report: SubscribersReport }
  | { type: 'closed' };

/** The frame prefix both kinds of server send for an event of operation "1". */
export const NEXT_PREFIX = '{"id":"1","type":"next","payload":';
