import type { Audience, Chat, Delivery, FriendStatus, Message } from '../../generated/prisma/client.ts';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan } from '../../auth/ability.ts';
import { ConflictError, FriendNotReachableError, InvalidTransitionError, LimitReachedError } from '../../errors.ts';
import { MAX_TEST_SENDS_PER_HOUR } from '../../limits.ts';
import type { Actor } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import type { MessageContent } from '../chats/message-content.ts';
import { writeChatSend } from './chat-statement.ts';
import { writeDeliveryBatch } from './delivery-statement.ts';
import { type AudienceKind, reachesAudience } from './egress-policy.ts';
import { writeTestSend } from './test-statement.ts';

/** A member types into a 1:1 chat. */
export type ChatEgress = {
  kind: 'CHAT';
  actor: Actor;
  chat: Pick<Chat, 'id' | 'accountId' | 'openedAt'> & { friend: { status: FriendStatus; notificationsEnabled: boolean } };
  content: MessageContent;
  /** R-SAFE-1: the key's scope and the hash of the request it was first used for. */
  idempotency: { scope: string; key: string; requestHash: string };
};

/** A member tries a delivery's current content on their own phones. */
export type TestEgress = {
  kind: 'TEST';
  actor: Actor;
  delivery: Pick<Delivery, 'id' | 'accountId' | 'status' | 'contentType' | 'content' | 'authorUserId'>;
};

/** One batch of a delivery's fan-out, run for the member who started the send. */
export type DeliveryEgress = {
  kind: AudienceKind;
  delivery: Delivery & { audience: Audience | null };
  batchSize: number;
};

export type EgressRequest = ChatEgress | TestEgress | DeliveryEgress;

/** What each request writes: the message (null: the idempotency key was taken), the test messages, the batch. */
export type EgressResult<R extends EgressRequest> = R extends ChatEgress
  ? Message | null
  : R extends TestEgress
    ? { written: number }
    : { written: number; last: string | null };

const TEST_SEND_STATES = new Set<Delivery['status']>(['DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'REJECTED', 'SCHEDULED']);
const HOUR_MS = 3_600_000;

/**
 * R-EGRESS-1: the one way out. Every message an account sends is written
 * here and nowhere else (an architectural test holds the rest of src/ to
 * it). By kind, in one place, it decides who may send (R-APPROVAL-1,
 * R-MEMBER-2), whom it may reach (R-CHAT-1, blocked friends, R-SAFE-2,
 * R-GROUP-5), the quota (R-QUOTA-1, reserved when a delivery starts
 * sending, from EGRESS_RULES), recallability (EGRESS_RULES) and the events.
 * Fan-out stays set-based: the gate decides per batch, not per row.
 */
export async function egress<R extends EgressRequest>(deps: { tx: Tx; clock: Clock }, request: R): Promise<EgressResult<R>> {
  if (request.kind === 'CHAT') return (await chatReply(deps, request)) as EgressResult<R>;
  if (request.kind === 'TEST') return (await testSend(deps, request)) as EgressResult<R>;
  if (reachesAudience(request.kind)) return (await deliveryBatch(deps, request as DeliveryEgress)) as EgressResult<R>;
  throw new Error(`no way out for ${(request as { kind: string }).kind} messages yet`);
}

async function chatReply(deps: { tx: Tx; clock: Clock }, { actor, chat, content, idempotency }: ChatEgress): Promise<Message | null> {
  // R-MEMBER-2: only members with send permission write to friends.
  assertCan(actor.ability, 'send', 'Chat', chat);
  if (!chat.openedAt) {
    throw new ConflictError('CHAT_NOT_OPEN', 'The friend has not written to the account yet; members can write once they have (R-CHAT-1).');
  }
  if (chat.friend.status !== 'FOLLOWING') throw new FriendNotReachableError(chat.friend.status);
  const now = deps.clock.now();
  return writeChatSend(deps.tx, {
    accountId: chat.accountId,
    chatId: chat.id,
    senderUserId: actor.userId,
    content,
    idempotency,
    now,
    // The platform pushes a preview at once; a recall cannot take it back (R-RECALL-6).
    notifiedAt: chat.friend.notificationsEnabled ? now : null,
  });
}

/**
 * R-SAFE-2: a test reaches only the sender's own linked test recipients, so
 * it needs no approval (every member may try a delivery they can read on
 * their own phone) and uses no quota; it is rate-limited per member.
 */
async function testSend(deps: { tx: Tx; clock: Clock }, { actor, delivery }: TestEgress): Promise<{ written: number }> {
  const { tx, clock } = deps;
  assertCan(actor.ability, 'read', 'Delivery', delivery);
  assertCan(actor.ability, 'create', 'Delivery', { accountId: delivery.accountId });
  if (!TEST_SEND_STATES.has(delivery.status)) throw new InvalidTransitionError(delivery.status, 'test-sent');
  const now = clock.now();
  // Serialise this member's test sends, so two at once cannot pass the rate.
  await tx.$executeRaw`SELECT pg_advisory_xact_lock(hashtext(${`test-sends:${delivery.accountId}:${actor.userId}`}))`;
  const recent = await tx.auditEvent.count({
    where: { accountId: delivery.accountId, actorUserId: actor.userId, action: AUDIT.deliveryTestSent, createdAt: { gt: new Date(now.getTime() - HOUR_MS) } },
  });
  if (recent >= MAX_TEST_SENDS_PER_HOUR) {
    throw new LimitReachedError('TEST_SEND_RATE_LIMITED', MAX_TEST_SENDS_PER_HOUR, `You sent ${MAX_TEST_SENDS_PER_HOUR} tests in the last hour; try again later (R-SAFE-2).`);
  }
  const written = await writeTestSend(tx, {
    accountId: delivery.accountId,
    senderUserId: actor.userId,
    content: delivery.content as MessageContent,
    now,
  });
  if (written === 0) {
    throw new ConflictError('NO_TEST_RECIPIENTS', 'You have no linked test recipient who follows the account: link your own phone with createTestRecipientCode (R-SAFE-2).');
  }
  return { written };
}

/**
 * R-APPROVAL-1: a batch goes out only for a delivery that is SENDING, which
 * only startSending sets, after the sender's permission, the approvals,
 * the plugins' vetoes, the audience minimum and the quota reservation.
 */
async function deliveryBatch(deps: { tx: Tx; clock: Clock }, { kind, delivery, batchSize }: DeliveryEgress): Promise<{ written: number; last: string | null }> {
  if (delivery.kind !== kind) throw new Error(`delivery ${delivery.id} is a ${delivery.kind}, not a ${kind}`);
  if (delivery.status !== 'SENDING' || !delivery.sendStartedAt || !delivery.sentByUserId) {
    throw new InvalidTransitionError(delivery.status, 'sent');
  }
  if ((delivery.kind === 'NARROWCAST') !== (delivery.audience !== null)) {
    throw new Error(`delivery ${delivery.id}: a ${delivery.kind} ${delivery.audience ? 'has' : 'lacks'} an audience`);
  }
  return writeDeliveryBatch(deps.tx, {
    delivery: { ...delivery, sendStartedAt: delivery.sendStartedAt },
    audience: delivery.audience,
    after: delivery.fanOutCursor,
    batchSize,
    now: deps.clock.now(),
  });
}
