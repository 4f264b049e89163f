import type { Context } from '../context.ts';
import type { Access } from '../auth/authenticate.ts';
import { can } from '../auth/ability.ts';
import { CLOSE_CODES, forbidden, NotFoundError, slowConsumer, unauthenticated } from '../errors.ts';
import type { DomainEvent } from '../events/types.ts';
import type { FriendViewer } from '../auth/authenticate.ts';
import { MAX_QUEUED_EVENTS_PER_SUBSCRIPTION } from '../limits.ts';
import type { SubscriberSession } from './session.ts';

/** Decides per event, with the subscriber's access as it is now, what (if anything) to send. */
/** Maps an event to what the subscriber receives, or null to skip it; may look rows up (a broadcast's recipient). */
export type EventPicker<T> = (event: DomainEvent, access: Access) => T | null | Promise<T | null>;

function sessionOf(ctx: Context): SubscriberSession {
  if (!ctx.session) throw unauthenticated('Subscriptions need a token: connection_init { authorization: "Bearer …" } or the Authorization header.');
  return ctx.session;
}

/**
 * Events of one account for a member, each authorized against the member's
 * current ability. An account the member cannot read is NOT_FOUND, exactly
 * like a missing one. The stream ends when the member loses the account
 * (removed, left) and the connection closes when the token stops working.
 */
export async function memberAccountEvents<T>(ctx: Context, accountId: string, pick: EventPicker<T>, field = 'accountId'): Promise<AsyncIterable<T>> {
  const session = sessionOf(ctx);
  let access = await session.current();
  if (!access?.viewer) throw unauthenticated('This subscription needs a member token; a friend token reaches only friendChatEvents.');
  // The cached access may predate joining this account (accepted on another connection): look again before refusing.
  if (!can(access.ability, 'read', 'Account', { id: accountId })) access = await session.refresh();
  if (!access?.viewer || !can(access.ability, 'read', 'Account', { id: accountId })) throw new NotFoundError(field);
  return authorized(ctx, session, accountId, (now) => now.viewer !== null && can(now.ability, 'read', 'Account', { id: accountId }), pick);
}

/**
 * Events of the friend's own chat; the stream ends (and the connection
 * closes with 4403) once the friend blocks. `prepare` runs once, after the
 * token check, to build the per-event picker (e.g. look up the chat id).
 */
export async function friendChatEvents<T>(
  ctx: Context,
  prepare: (friend: FriendViewer) => Promise<(event: DomainEvent) => T | null | Promise<T | null>>,
): Promise<AsyncIterable<T>> {
  const session = sessionOf(ctx);
  const access = await session.current();
  if (!access?.friend) throw unauthenticated('friendChatEvents needs a friend token (from friendFollow).');
  if (access.friend.status !== 'FOLLOWING') throw forbidden('You blocked this account: unblock it to receive its messages.');
  const pick = await prepare(access.friend);
  return authorized(ctx, session, access.friend.accountId, (now) => now.friend?.status === 'FOLLOWING', (event) => pick(event));
}

/**
 * Listens at once (not at the first pull: graphql-js returns the iterator
 * before anyone reads it, and an event committed in between must not be
 * missed), then authorizes each event as it is read.
 */
function authorized<T>(
  ctx: Context,
  session: SubscriberSession,
  accountId: string,
  stillAllowed: (access: Access) => boolean,
  pick: EventPicker<T>,
): AsyncIterableIterator<T> {
  const events = ctx.deps.events.pubsub.subscribe(accountId, {
    limit: MAX_QUEUED_EVENTS_PER_SUBSCRIPTION,
    overflow: () => slowConsumer(MAX_QUEUED_EVENTS_PER_SUBSCRIPTION),
  });
  // Over SSE nothing else notices a revocation before the next event: end the stream at once.
  const unwatch = ctx.deps.subscriptions.revocations.watch(session.tokenId, () => {
    session.revoked();
    void close();
  });
  async function* read(): AsyncGenerator<T> {
    try {
      for await (const event of events) {
        // Defence in depth: the channel is per account already.
        if (event.accountId !== accountId) continue;
        const access = await session.accessFor(event);
        if (!access) {
          session.end(CLOSE_CODES.UNAUTHENTICATED, 'The token was revoked or expired: sign in again.');
          return;
        }
        if (!stillAllowed(access)) {
          if (access.friend) session.end(CLOSE_CODES.FORBIDDEN, 'You blocked this account.');
          return;
        }
        const out = await pick(event, access);
        if (out === null) continue;
        // Fields of this event (recipientCount, message) resolve with the access as it is now.
        ctx.viewer = access.viewer;
        ctx.friend = access.friend;
        ctx.ability = access.ability;
        yield out;
      }

    } finally {
      unwatch();
    }
  }
  const reader = read();
  // A generator closed before its first pull never runs its body: release the channel here.
  const close = async () => {
    unwatch();
    await events.return?.();
    return reader.return(undefined);
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    next: () => reader.next(),
    return: close,
    async throw(error: unknown) {
      await close();
      throw error;
    },
  };
}
