import { GraphQLError } from 'graphql';
import { builder } from '../../graphql/builder.ts';
import { can, canReadStatistic } from '../../auth/ability.ts';
import { NotFoundError } from '../../errors.ts';
import { isEventOf, type DomainEvent, type EventPayloads } from '../../events/types.ts';
import type { DeliveryStatus } from '../../generated/prisma/enums.ts';
import type { Prisma } from '../../generated/prisma/client.ts';
import type { Context } from '../../context.ts';
import { decodeQueryId, encodeGlobalId } from '../../graphql/global-id.ts';
import { memberAccountEvents } from '../../subscriptions/stream.ts';
import { requireViewer } from '../../graphql/run.ts';
import { sharedEventRow } from '../../subscriptions/shared-rows.ts';
import { StatusEnum } from './delivery.schema.ts';

// Live delivery events: the approval workflow (approvalEvents) and every
// state change plus fan-out progress (deliveryEvents). Thin resolvers; the
// per-event authorization lives in src/subscriptions/stream.ts.

const STATE_EVENTS = [
  'delivery.submitted',
  'delivery.approved',
  'delivery.rejected',
  'delivery.cancelled',
  'delivery.updated',
  'delivery.scheduled',
  'delivery.schedule_failed',
  'delivery.sending',
  'delivery.sent',
] as const;
type StateEventType = (typeof STATE_EVENTS)[number];

/**
 * The delivery of an event as the subscriber may see it: one query per event
 * for every subscriber of this process, authorized in memory; its fields
 * (statistics) still follow each subscriber's role.
 */
const loadDelivery = async (query: { include?: Prisma.DeliveryInclude; select?: Prisma.DeliverySelect }, e: { id: string; deliveryId: string }, _args: object, ctx: Context) => {
  const delivery = await sharedEventRow(ctx, e.id, 'Delivery', e.deliveryId, query, (q) => ctx.deps.db.prisma.delivery.findUnique(q as never));
  if (!delivery) throw new NotFoundError('delivery');
  return delivery as never;
};
const DELIVERY_DESCRIPTION = 'As it is now; statistics follow your role (R-STATS-1).';

// --- approvalEvents -------------------------------------------------------

const APPROVAL_KINDS = { 'delivery.submitted': 'SUBMITTED', 'delivery.approved': 'APPROVED', 'delivery.rejected': 'REJECTED' } as const;
type ApprovalEvent = {
  id: string;
  kind: (typeof APPROVAL_KINDS)[keyof typeof APPROVAL_KINDS];
  deliveryId: string;
  actorUserId: string | null;
  revision: number;
  reason: string | null;
  occurredAt: Date;
};

const ApprovalEventKind = builder.enumType('ApprovalEventKind', {
  values: {
    SUBMITTED: { description: 'A draft waits for approval.' },
    APPROVED: { description: 'Approved for the revision it was submitted with.' },
    REJECTED: { description: 'Rejected, with a reason; it can be edited and submitted again.' },
  },
});

const ApprovalEventType = builder.objectRef<ApprovalEvent>('ApprovalEvent').implement({
  description: 'A step of the approval workflow (R-APPROVAL-1..3).',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: ApprovalEventKind, resolve: (e) => e.kind }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    revision: t.exposeInt('revision'),
    reason: t.exposeString('reason', { nullable: true, description: 'Why it was rejected.' }),
    actorUserId: t.id({ nullable: true, resolve: (e) => (e.actorUserId ? encodeGlobalId('User', e.actorUserId) : null) }),
    delivery: t.prismaField({ type: 'Delivery', description: DELIVERY_DESCRIPTION, resolve: loadDelivery }),
  }),
});

builder.subscriptionField('approvalEvents', (t) =>
  t.field({
    type: ApprovalEventType,
    description: 'Members: submissions, approvals and rejections in the account, live.',
    args: { accountId: t.arg.id({ required: true }) },
    subscribe: (_root, args, ctx) =>
      memberAccountEvents(ctx, decodeQueryId('accountId', String(args.accountId), 'Account'), (event, access) => {
        if (!isEventOf(event, 'delivery.submitted', 'delivery.approved', 'delivery.rejected')) return null;
        if (!can(access.ability, 'read', 'Delivery', { accountId: event.accountId })) return null;
        const p = event.payload;
        return {
          id: event.id,
          kind: APPROVAL_KINDS[event.type],
          deliveryId: p.deliveryId,
          actorUserId: p.actorUserId,
          revision: p.revision,
          reason: 'reason' in p ? p.reason : null,
          occurredAt: new Date(event.createdAt),
        };
      }),
    resolve: (event) => event,
  }),
);

// --- deliveryEvents -------------------------------------------------------

type DeliveryEvent = {
  id: string;
  kind: 'STATUS_CHANGED' | 'PROGRESS';
  accountId: string;
  deliveryId: string;
  status: DeliveryStatus | null;
  previousStatus: DeliveryStatus | null;
  progress: Progress | null;
  occurredAt: Date;
};
/** Statistics (R-STATS-1), read by the policy for `accountId`. */
type Progress = { accountId: string; sent: number; total: number };

const DeliveryEventKind = builder.enumType('DeliveryEventKind', {
  values: {
    STATUS_CHANGED: { description: 'The delivery moved to `status` (R-APPROVAL-2).' },
    PROGRESS: { description: 'Fan-out progress while SENDING (statistics, R-STATS-1: never sent to OPERATOR_NO_SEND_NO_STATS).' },
  },
});

const DeliveryProgress = builder.objectRef<Progress>('DeliveryProgress').implement({
  description: 'How many recipients were reached so far.',
  fields: (t) => ({
    sent: t.exposeInt('sent', { nullable: true, description: 'Recipients written so far.' }),
    total: t.exposeInt('total', { nullable: true, description: 'Recipients the send will reach.' }),
  }),
});

const DeliveryEventType = builder.objectRef<DeliveryEvent>('DeliveryEvent').implement({
  description: 'A delivery changed state, or made progress sending.',
  fields: (t) => ({
    id: t.exposeID('id'),
    kind: t.field({ type: DeliveryEventKind, resolve: (e) => e.kind }),
    occurredAt: t.expose('occurredAt', { type: 'DateTime' }),
    deliveryId: t.id({ resolve: (e) => encodeGlobalId('Delivery', e.deliveryId) }),
    status: t.field({ type: StatusEnum, nullable: true, description: 'The new status (STATUS_CHANGED).', resolve: (e) => e.status }),
    previousStatus: t.field({ type: StatusEnum, nullable: true, resolve: (e) => e.previousStatus }),
    progress: t.field({ type: DeliveryProgress, nullable: true, description: 'PROGRESS only.', resolve: (e) => e.progress }),
    delivery: t.prismaField({ type: 'Delivery', description: DELIVERY_DESCRIPTION, resolve: loadDelivery }),
  }),
});

function toDeliveryEvent(event: DomainEvent): DeliveryEvent | null {
  const base = { id: event.id, accountId: event.accountId, occurredAt: new Date(event.createdAt) };
  if (isEventOf(event, 'delivery.progress')) {
    const { deliveryId, sent, total } = event.payload;
    return { ...base, kind: 'PROGRESS', deliveryId, status: null, previousStatus: null, progress: { accountId: event.accountId, sent, total } };
  }
  if (!isEventOf(event, ...STATE_EVENTS)) return null;
  const p: EventPayloads[StateEventType] = event.payload;
  return { ...base, kind: 'STATUS_CHANGED', deliveryId: p.deliveryId, status: p.status as DeliveryStatus, previousStatus: p.from as DeliveryStatus, progress: null };
}

/** The account to listen on, and the one delivery to keep (or null for all of them). */
async function target(ctx: Context, args: { accountId?: string | number | null; deliveryId?: string | number | null }) {
  // The token first: without a member token, whether a delivery id exists is no one's business.
  requireViewer(ctx);
  if (Boolean(args.accountId) === Boolean(args.deliveryId)) {
    throw new GraphQLError('Give exactly one of accountId and deliveryId.', { extensions: { code: 'INVALID_INPUT', field: 'deliveryId' } });
  }
  if (!args.deliveryId) return { accountId: decodeQueryId('accountId', String(args.accountId), 'Account'), deliveryId: null };
  const deliveryId = decodeQueryId('deliveryId', String(args.deliveryId), 'Delivery');
  const delivery = await ctx.deps.db.prisma.delivery.findUnique({ where: { id: deliveryId }, select: { accountId: true } });
  if (!delivery) throw new NotFoundError('deliveryId');
  // Another account's delivery is refused by memberAccountEvents exactly as this missing one.
  return { accountId: delivery.accountId, deliveryId };
}

builder.subscriptionField('deliveryEvents', (t) =>
  t.field({
    type: DeliveryEventType,
    description: 'Members: state changes and sending progress of one delivery (deliveryId) or of every delivery of an account (accountId). Give exactly one.',
    args: { accountId: t.arg.id(), deliveryId: t.arg.id() },
    subscribe: async (_root, args, ctx) => {
      const { accountId, deliveryId } = await target(ctx, args);
      return memberAccountEvents(ctx, accountId, (event, access) => {
        const out = toDeliveryEvent(event);
        if (!out || (deliveryId && out.deliveryId !== deliveryId)) return null;
        if (!can(access.ability, 'read', 'Delivery', { accountId: out.accountId })) return null;
        // R-STATS-1: a PROGRESS event is nothing but its statistics; whoever may not read them does not get the event.
        if (out.kind === 'PROGRESS' && !canReadStatistic(access.ability, 'DeliveryEvent', out, 'progress')) return null;
        return out;
      }, deliveryId ? 'deliveryId' : 'accountId');
    },
    resolve: (event) => event,
  }),
);
