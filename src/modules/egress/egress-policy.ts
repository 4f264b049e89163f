import type { MessageKind } from '../../generated/prisma/enums.ts';

/** Who a kind of outgoing message may reach (R-EGRESS-1). */
export type Reach =
  /** One friend, in a chat the friend opened (R-CHAT-1). */
  | 'open-chat'
  /** The friends of a delivery's audience (every follower for a broadcast), never groups (R-GROUP-5). */
  | 'audience'
  /** The sending member's own linked test recipients, nobody else (R-SAFE-2). */
  | 'own-test-recipients'
  /** One friend, as the account's automation (greeting, step, keyword reply, bot). */
  | 'automation'
  /** A group chat the account is in. */
  | 'group';

export type EgressRule = {
  /** R-RECALL-1/-2: may a member take it back inside the recall window? */
  recallable: boolean;
  /** R-QUOTA-1: one unit per recipient? */
  usesQuota: boolean;
  reach: Reach;
};

/**
 * The delivery-kind table of DOMAIN.md, in one place: what the egress gate
 * decides by kind. Recall, quota and the gate itself read it; nothing else
 * keeps its own list of kinds.
 */
export const EGRESS_RULES = {
  CHAT: { recallable: true, usesQuota: false, reach: 'open-chat' },
  BROADCAST: { recallable: false, usesQuota: true, reach: 'audience' },
  NARROWCAST: { recallable: false, usesQuota: true, reach: 'audience' },
  STEP: { recallable: false, usesQuota: true, reach: 'automation' },
  GREETING: { recallable: false, usesQuota: false, reach: 'automation' },
  AUTO_RESPONSE: { recallable: false, usesQuota: false, reach: 'automation' },
  GROUP: { recallable: true, usesQuota: false, reach: 'group' },
  API: { recallable: false, usesQuota: true, reach: 'automation' },
  // R-SAFE-2: recallable like a chat message, and free.
  TEST: { recallable: true, usesQuota: false, reach: 'own-test-recipients' },
} as const satisfies Record<MessageKind, EgressRule>;

export function isRecallable(kind: MessageKind): boolean {
  return EGRESS_RULES[kind].recallable;
}

/** R-QUOTA-1: the units a send of this kind to `recipients` friends uses. */
export function quotaUnitsFor(kind: MessageKind, recipients: number): number {
  return EGRESS_RULES[kind].usesQuota ? recipients : 0;
}

type Rules = typeof EGRESS_RULES;
/** The kinds a delivery fans out to an audience. */
export type AudienceKind = { [K in keyof Rules]: Rules[K]['reach'] extends 'audience' ? K : never }[keyof Rules];

export function reachesAudience(kind: MessageKind): kind is AudienceKind {
  return EGRESS_RULES[kind].reach === 'audience';
}
