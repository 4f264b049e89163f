// The events services record in their transactions (outbox), defined once
// with dotted names (Chatwoot style). Payloads carry ids and states, never
// message content: subscribers load what they may see when the event arrives,
// so a recall or a permission change in between is respected.

/** Event name → payload. Every event also carries its accountId. */
export type EventPayloads = {
  /** The friend wrote to the account. */
  'message.received': { chatId: string; messageId: string };
  /** A member typed into a chat. */
  'message.sent': { chatId: string; messageId: string; senderUserId: string };
  /** R-RECALL-3: the tombstone is visible to both sides. */
  'message.recalled': { chatId: string; messageId: string; recalledByUserId: string };
  /** R-DELETE-1: hidden from the account's view only; never sent to the friend. */
  'message.hidden': { chatId: string; messageId: string; hiddenByUserId: string };
  /** A member read the chat (unread count back to 0); account-internal. */
  'chat.read': { chatId: string; readByUserId: string };
  /** The friend read the account's messages. */
  'chat.read_by_friend': { chatId: string; count: number };
  'delivery.submitted': DeliveryChange;
  'delivery.approved': DeliveryChange;
  'delivery.rejected': DeliveryChange & { reason: string };
  'delivery.cancelled': DeliveryChange;
  /** Edited: back to DRAFT, approvals void (R-APPROVAL-2). */
  'delivery.updated': DeliveryChange;
  /** Sending started: quota reserved for `targets`; recipients follow in batches (progress). */
  'delivery.sending': DeliveryChange & { targets: number };
  'delivery.sent': DeliveryChange & { recipientCount: number };
  'delivery.scheduled': DeliveryChange & { scheduledAt: string };
  /** A scheduled send was refused when it came due; the delivery went back to APPROVED or DRAFT. */
  'delivery.schedule_failed': DeliveryChange & { code: string };
  /**
   * Fan-out progress of a delivery being sent. Statistics: never shown to
   * OPERATOR_NO_SEND_NO_STATS (R-MEMBER-2). Published by the fan-out, throttled
   * to PROGRESS_EVENTS_PER_SECOND (src/limits.ts).
   */
  'delivery.progress': { deliveryId: string; sent: number; total: number };
  /** Membership changes: subscribers reload their ability at once. */
  'member.joined': MemberChange;
  'member.role_changed': MemberChange & { from: string };
  'member.removed': MemberChange;
  'member.left': MemberChange;
  /** The friend blocked, unblocked or unfollowed. */
  'friend.status_changed': { friendId: string; status: string };
  /**
   * A member token (signOut) or friend token (friendUnfollow) stopped working:
   * every instance closes its connections and streams at once. Carried on
   * NO_ACCOUNT's channel (a token belongs to no account).
   */
  'token.revoked': { tokenId: string };
};

/**
 * The accountId of events about no account (token revocations). The nil UUID
 * is never an account's id (accounts get random v4 UUIDs), so no member's
 * channel and no plugin installation ever matches it.
 */
export const NO_ACCOUNT = '00000000-0000-0000-0000-000000000000';

type DeliveryChange = { deliveryId: string; status: string; from: string; actorUserId: string | null; revision: number };
type MemberChange = { memberId: string; userId: string; role: string };

export type EventType = keyof EventPayloads;

/** What services pass to recordEvent. */
export type NewEvent<T extends EventType = EventType> = { [K in T]: { accountId: string; type: K; payload: EventPayloads[K] } }[T];

/** An event after commit, as the publisher hands it to consumers and pub/sub. */
export type DomainEvent<T extends EventType = EventType> = {
  [K in T]: { id: string; seq: string; accountId: string; type: K; payload: EventPayloads[K]; createdAt: string };
}[T];

export function isEventOf<T extends EventType>(event: DomainEvent, ...types: T[]): event is Extract<DomainEvent, { type: T }> {
  return (types as string[]).includes(event.type);
}

export const MEMBERSHIP_EVENTS = ['member.joined', 'member.role_changed', 'member.removed', 'member.left'] as const satisfies EventType[];
