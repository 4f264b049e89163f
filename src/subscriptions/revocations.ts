import type { Logger } from 'pino';
import type { PubSub } from '../events/pubsub.ts';
import { isEventOf, NO_ACCOUNT } from '../events/types.ts';

// Revocations are rare; a backlog this long means the loop stalled, and it
// re-subscribes rather than holding memory.
const MAX_QUEUED_REVOCATIONS = 10_000;

/**
 * Who to tell, in this process, when a token is revoked anywhere: the
 * `token.revoked` events come through the outbox and pub/sub (Redis with
 * REDIS_URL), so a signOut on one instance closes the token's WebSockets and
 * SSE streams on all of them at once, not at the next re-check
 * (SUBSCRIBER_RECHECK_MS).
 */
export type TokenRevocations = {
  /** Calls `onRevoked` once when `tokenId` is revoked; the returned function stops watching. */
  watch(tokenId: string, onRevoked: () => void): () => void;
  close(): Promise<void>;
};

export function watchRevocations(pubsub: PubSub, logger: Logger): TokenRevocations {
  const watchers = new Map<string, Set<() => void>>();
  let closed = false;
  let events: AsyncIterableIterator<unknown> | null = null;

  const revoked = (tokenId: string) => {
    const waiting = watchers.get(tokenId);
    watchers.delete(tokenId);
    for (const onRevoked of waiting ?? []) {
      try {
        onRevoked();
      } catch (err) {
        logger.warn({ err }, 'closing a revoked token\'s subscriber failed');
      }
    }
  };

  const listen = async () => {
    while (!closed) {
      const stream = pubsub.subscribe(NO_ACCOUNT, {
        limit: MAX_QUEUED_REVOCATIONS,
        overflow: () => new Error('token revocations piled up'),
      });
      events = stream;
      try {
        for await (const event of stream) {
          if (isEventOf(event, 'token.revoked')) revoked(event.payload.tokenId);
        }
      } catch (err) {
        logger.warn({ err }, 'token revocation listener restarted');
      }
    }
  };
  void listen();

  return {
    watch(tokenId, onRevoked) {
      let set = watchers.get(tokenId);
      if (!set) watchers.set(tokenId, (set = new Set()));
      set.add(onRevoked);
      return () => {
        set.delete(onRevoked);
        if (set.size === 0 && watchers.get(tokenId) === set) watchers.delete(tokenId);
      };
    },
    async close() {
      closed = true;
      await events?.return?.();
    },
  };
}
