import { builder } from '../../graphql/builder.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { AudienceTooSmallError, ConflictError, InvalidTransitionError, LimitReachedError, NotFoundError, QuotaExceededError, ValidationError } from '../../errors.ts';
import type { Delivery } from '../../generated/prisma/client.ts';
import { MAX_TEST_RECIPIENTS } from '../../limits.ts';
import { sendTestDelivery } from './test-send.service.ts';
import { DeliveryStatus } from '../../generated/prisma/enums.ts';
import { ErrorInterface } from '../../graphql/error-types.ts';
import { decodeId, encodeGlobalId } from '../../graphql/global-id.ts';
import { asMember } from '../../graphql/run.ts';
import { fromContentInput } from '../chats/message-content.ts';
import { MessageContentInput, MessageContentUnion } from '../chats/message-content.schema.ts';
import { sendDelivery } from './send.service.ts';
import { continueSend } from './fan-out.service.ts';
import { scheduleDelivery } from './schedule.service.ts';
import { ApprovalRequiredError, ApproverNotEligibleError } from '../../errors.ts';
import { ApprovalStatusType, PLUGIN_STEP_ERRORS } from '../approvals/approval.schema.ts';
import { type Blocker, type Preview, previewDelivery } from './preview.service.ts';
import { monthlyLimit, monthOf, quotaUsed } from './quota.service.ts';
import { approveDelivery, cancelDelivery, createDraft, DRAFT_KINDS, rejectDelivery, submitDraft, updateDraft } from './delivery.service.ts';

export const StatusEnum = builder.enumType(DeliveryStatus, { name: 'DeliveryStatus', description: 'R-APPROVAL-2.' });
const DraftKindEnum = builder.enumType('DraftKind', { values: DRAFT_KINDS, description: 'Kinds a delivery draft can have.' });

const DeliveryType = builder.prismaNode('Delivery', {
  id: { field: 'id' },
  select: { id: true, accountId: true },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Delivery')] }),
  description: 'A message to many friends, drafted, approved and then sent (R-APPROVAL-1..3).',
  fields: (t) => ({
    kind: t.exposeString('kind'),
    title: t.exposeString('title'),
    status: t.expose('status', { type: StatusEnum }),
    revision: t.exposeInt('revision', { description: 'Bumped by every edit; approvals count for the revision they saw.' }),
    contentType: t.exposeString('contentType'),
    content: t.field({ type: MessageContentUnion, select: { content: true }, resolve: (d) => d.content as never }),
    authorUserId: t.exposeID('authorUserId'),
    rejectionReason: t.exposeString('rejectionReason', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime' }),
    sentAt: t.expose('sentAt', { type: 'DateTime', nullable: true }),
    scheduledAt: t.expose('scheduledAt', { type: 'DateTime', nullable: true, description: 'When a SCHEDULED delivery will be sent.' }),
    recipientCount: t.exposeInt('recipientCount', {
      nullable: true,
      description: 'Recipients written so far (grows while SENDING, final once SENT); null before sending.',
    }),
    audience: t.relation('audience', { nullable: true, description: 'Null for a BROADCAST (every friend).' }),
    quotaUnits: t.exposeInt('quotaUnits', { nullable: true, description: 'Message units this send used (R-QUOTA-1); null before sending.' }),
    approvals: t.relation('approvals', {
      description: 'Every approval, each with the revision it approved.',
      query: { orderBy: { createdAt: 'asc' } },
    }),
    history: t.prismaConnection({
      type: 'AuditEvent',
      cursor: 'id',
      description: 'Every transition: who, when, and what changed (R-APPROVAL-3). Oldest first.',
      resolve: (query, delivery, _args, ctx) =>
        ctx.deps.db.prisma.auditEvent.findMany({
          ...query,
          where: { subjectType: 'Delivery', subjectId: delivery.id, accountId: delivery.accountId },
          orderBy: { seq: 'asc' },
        }),
    }),
  }),
});

builder.prismaObject('DeliveryApproval', {
  select: { id: true },
  fields: (t) => ({
    revision: t.exposeInt('revision'),
    userId: t.exposeID('userId'),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'deliveries', (t) =>
  t.prismaConnection({
    type: 'Delivery',
    cursor: 'id',
    description: 'Most recently changed first.',
    args: { status: t.arg({ type: StatusEnum }) },
    resolve: (query, account, args, ctx) =>
      ctx.deps.db.prisma.delivery.findMany({
        ...query,
        where: { accountId: account.id, AND: [accessibleWhere(ctx.ability, 'read', 'Delivery')], ...(args.status ? { status: args.status } : {}) },
        orderBy: [{ updatedAt: 'desc' }, { id: 'desc' }],
      }),
  }),
);

builder.objectType(InvalidTransitionError, {
  name: 'InvalidTransitionError',
  description: 'INVALID_TRANSITION (R-APPROVAL-2): names the state the delivery is in.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    status: t.field({ type: StatusEnum, resolve: (e) => e.status as DeliveryStatus }),
    attempted: t.exposeString('attempted'),
  }),
});

builder.objectType(QuotaExceededError, {
  name: 'QuotaExceededError',
  description: 'QUOTA_EXCEEDED (R-QUOTA-1): nothing was sent.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    limit: t.exposeInt('limit', { description: 'The monthly quota of the plan.' }),
    remaining: t.exposeInt('remaining', { nullable: true, description: 'Message units left this month.' }),
    needed: t.exposeInt('needed', { nullable: true, description: 'Message units this send needs: one per recipient.' }),
  }),
});

const Quota = builder.objectRef<{ accountId: string; used: number; limit: number; resetsAt: Date }>('Quota').implement({
  description: 'R-QUOTA-1: message units this calendar month (UTC).',
  fields: (t) => ({
    used: t.exposeInt('used', { nullable: true, description: 'Message units used this month.' }),
    limit: t.exposeInt('limit', { description: 'The monthly quota of the plan.' }),
    remaining: t.int({ nullable: true, description: 'Message units left this month.', resolve: (q) => Math.max(0, q.limit - q.used) }),
    resetsAt: t.expose('resetsAt', { type: 'DateTime' }),
  }),
});

builder.prismaObjectField('Account', 'quota', (t) =>
  t.field({
    type: Quota,
    select: { plan: true, quotaOverride: true },
    resolve: async (account, _args, ctx) => {
      const now = ctx.deps.clock.now();
      return { accountId: account.id, used: await quotaUsed(ctx.deps.db.prisma, account.id, now), limit: monthlyLimit(account), resetsAt: monthOf(now).resetsAt };
    },
  }),
);

const PreviewBlocker = builder.objectRef<Blocker>('DeliveryBlocker').implement({
  description: 'A refusal a send would meet now: the same code, rule and message the send would return.',
  fields: (t) => ({
    code: t.string({ resolve: (b) => b.code }),
    rule: t.string({ nullable: true, resolve: (b) => b.rule }),
    message: t.string({ resolve: (b) => b.message }),
    details: t.field({ type: 'JSON', description: "The error's own fields (minimum, count, remaining, needed …).", resolve: (b) => b.details }),
  }),
});

const PreviewType = builder.objectRef<Preview>('DeliveryPreview').implement({
  description: 'What sending now would do (R-SAFE-1), computed like the send itself; nothing is written.',
  fields: (t) => ({
    delivery: t.field({ type: DeliveryType, resolve: (p) => p.delivery }),
    recipientCount: t.exposeInt('recipientCount', { description: 'Friends it would reach now.', nullable: true }),
    quotaUnits: t.exposeInt('quotaUnits', { description: 'Message units it would use (R-QUOTA-1).', nullable: true }),
    quotaRemaining: t.exposeInt('quotaRemaining', { description: 'Message units left this month.', nullable: true }),
    approvalRequired: t.exposeBoolean('approvalRequired'),
    approverUserIds: t.exposeIDList('approverUserIds', { description: 'ADMINs and OPERATORs, who may approve and send it.' }),
    blockers: t.field({ type: [PreviewBlocker], description: 'What a send now would be refused with.', resolve: (p) => p.blockers }),
    approval: t.field({
      type: ApprovalStatusType,
      nullable: true,
      description: 'The approval requirement as a send now would check it; null when a plugin refuses the delivery (see blockers).',
      resolve: (p) => p.approval,
    }),
  }),
});

const ERRORS = [ValidationError, NotFoundError, InvalidTransitionError, ConflictError];

const TestSendType = builder.objectRef<{ delivery: Delivery; recipientCount: number }>('TestSendResult').implement({
  fields: (t) => ({
    delivery: t.field({ type: DeliveryType, resolve: (r) => r.delivery }),
    recipientCount: t.exposeInt('recipientCount'),
  }),
});
const deliveryId = (id: string | number) => decodeId('deliveryId', String(id), 'Delivery');

builder.mutationFields((t) => ({
  createDraft: t.field({
    type: DeliveryType,
    description: 'Any member: a new delivery in DRAFT.',
    errors: { types: ERRORS },
    args: {
      accountId: t.arg.id({ required: true }),
      kind: t.arg({ type: DraftKindEnum, required: true }),
      title: t.arg.string({ required: true }),
      content: t.arg({ type: MessageContentInput, required: true }),
      audienceId: t.arg.id({ description: 'Required for NARROWCAST; a BROADCAST goes to every friend.' }),
    },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        createDraft(deps, {
          audienceId: args.audienceId ? decodeId('audienceId', String(args.audienceId), 'Audience') : null,
          accountId: decodeId('accountId', String(args.accountId), 'Account'),
          kind: args.kind,
          title: args.title,
          content: fromContentInput(args.content),
        }),
      ),
  }),
  updateDraft: t.field({
    type: DeliveryType,
    description: 'Edit title or content. Members without send permission edit only their own drafts. An edit returns the delivery to DRAFT and voids its approvals.',
    errors: { types: ERRORS },
    args: { deliveryId: t.arg.id({ required: true }), title: t.arg.string(), content: t.arg({ type: MessageContentInput }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        updateDraft(deps, {
          deliveryId: deliveryId(args.deliveryId),
          title: args.title,
          content: args.content ? fromContentInput(args.content) : undefined,
        }),
      ),
  }),
  submitDraft: t.field({
    type: DeliveryType,
    description: 'DRAFT → PENDING_APPROVAL. Enabled plugins may refuse it (PLUGIN_REJECTED / PLUGIN_FAILED) or ask for more approvals.',
    errors: { types: [...ERRORS, ...PLUGIN_STEP_ERRORS] },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => submitDraft(deps, deliveryId(args.deliveryId))),
  }),
  approveDelivery: t.field({
    type: DeliveryType,
    description:
      'ADMIN/OPERATOR: records an approval of the current revision; PENDING_APPROVAL → APPROVED once the requirement (see Delivery.approval) is met (R-APPROVAL-1).',
    errors: { types: [...ERRORS, ApproverNotEligibleError, ...PLUGIN_STEP_ERRORS] },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => approveDelivery(deps, deliveryId(args.deliveryId))),
  }),
  rejectDelivery: t.field({
    type: DeliveryType,
    description: 'ADMIN/OPERATOR: PENDING_APPROVAL → REJECTED with a reason; an edit brings it back to DRAFT.',
    errors: { types: ERRORS },
    args: { deliveryId: t.arg.id({ required: true }), reason: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => rejectDelivery(deps, { deliveryId: deliveryId(args.deliveryId), reason: args.reason })),
  }),
  sendDelivery: t.field({
    type: DeliveryType,
    description:
      'ADMIN/OPERATOR: send to the audience. Needs APPROVED, or a DRAFT whose author may send (R-APPROVAL-1). The quota is reserved and the delivery becomes SENDING in one transaction; recipients are then written in batches and the result is SENT (or SENDING if this request was cut short: the send resumes by itself, each recipient exactly once). Retrying with the same idempotencyKey sends once (R-SAFE-1).',
    errors: { types: [...ERRORS, QuotaExceededError, AudienceTooSmallError, ApprovalRequiredError, ...PLUGIN_STEP_ERRORS] },
    args: { deliveryId: t.arg.id({ required: true }), idempotencyKey: t.arg.string({ required: true }) },
    resolve: async (_root, args, ctx) => {
      const started = await asMember(ctx, (deps) => sendDelivery(deps, { deliveryId: deliveryId(args.deliveryId), idempotencyKey: args.idempotencyKey }));
      // After commit: the quota is held and the state is SENDING whatever happens next.
      // A retry with the same key also lands here and helps finish a send that was cut short.
      return continueSend(ctx.deps, started);
    },
  }),
  scheduleDelivery: t.field({
    type: DeliveryType,
    description:
      'ADMIN/OPERATOR: send at `at` (R-SAFE-1). From APPROVED, a DRAFT whose author may send, or SCHEDULED (to move it). The approvals the plugins require must be in now; at `at` they and the beforeSend hooks are checked again. The job queue sends it when due, once; cancelDelivery stops it.',
    errors: { types: [...ERRORS, ApprovalRequiredError] },
    args: { deliveryId: t.arg.id({ required: true }), at: t.arg({ type: 'DateTime', required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => scheduleDelivery(deps, { deliveryId: deliveryId(args.deliveryId), at: args.at })),
  }),
  previewDelivery: t.field({
    type: PreviewType,
    description: 'Any member: recipients, quota units, approval still needed and anything that would block the send. Writes nothing.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => previewDelivery(deps, deliveryId(args.deliveryId))),
  }),
  sendTestDelivery: t.field({
    type: TestSendType,
    description: 'Any member: send the current content, marked as a test, to your own linked test recipients only (R-SAFE-2; link them with createTestRecipientCode). No approval, no quota, no state change; recallable like a chat message. At most MAX_TEST_SENDS_PER_HOUR (20) per member per hour.',
    errors: { types: [...ERRORS, LimitReachedError] },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => sendTestDelivery(deps, deliveryId(args.deliveryId))),
  }),
  cancelDelivery: t.field({
    type: DeliveryType,
    description: 'Withdraw a delivery that has not started sending.',
    errors: { types: ERRORS },
    args: { deliveryId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => cancelDelivery(deps, deliveryId(args.deliveryId))),
  }),
}));
