import { z } from 'zod';
import type { Delivery, Prisma } from '../../generated/prisma/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { ApproverNotEligibleError, ConflictError, NotFoundError } from '../../errors.ts';
import { runVetoHook } from '../../plugin-system/runner.ts';
import {
  approvalProgress,
  recordApprovalRequest,
  type Requirement,
  requestedBy,
  requirementFor,
  storedRequirement,
} from '../approvals/approval.service.ts';
import { MAX_NAME_LENGTH, MAX_REPORT_REASON_LENGTH } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import { type AuditAction, AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { MessageContent } from '../chats/message-content.ts';
import { boundedText, parseInput } from '../validate.ts';
import { loadReadable } from '../load-readable.ts';
import { assertStep, type LifecycleStep, transition } from './lifecycle.ts';

// The approval workflow of R-APPROVAL-1..3: drafts, submission, approval,
// rejection. Sending, scheduling, audiences and quota build on this.

/** Kinds a member drafts for approval; chat replies go through sendChatMessage. */
export const DRAFT_KINDS = ['BROADCAST', 'NARROWCAST'] as const;

const DraftInput = z
  .object({
    accountId: z.string(),
    kind: z.enum(DRAFT_KINDS),
    title: boundedText(MAX_NAME_LENGTH),
    content: MessageContent,
    audienceId: z.string().nullish(),
  })
  .refine((d) => (d.kind === 'NARROWCAST') === Boolean(d.audienceId), {
    path: ['audienceId'],
    message: 'a NARROWCAST needs an audience, and a BROADCAST (every friend) takes none',
  });

export async function createDraft(
  deps: Deps,
  input: { accountId: string; kind: string; title: string; content: unknown; audienceId?: string | null },
): Promise<Delivery> {
  const data = parseInput(DraftInput, input);
  const { tx, clock, actor } = deps;
  const account = await tx.account.findUnique({ where: { id: data.accountId } });
  if (!account || !can(actor.ability, 'read', 'Account', account)) throw new NotFoundError('accountId');
  assertCan(actor.ability, 'create', 'Delivery', { accountId: account.id });
  if (data.audienceId && !(await tx.audience.findFirst({ where: { id: data.audienceId, accountId: account.id }, select: { id: true } }))) {
    throw new NotFoundError('audienceId');
  }
  const now = clock.now();
  const delivery = await tx.delivery.create({
    data: {
      accountId: account.id,
      kind: data.kind,
      title: data.title,
      contentType: data.content.type,
      content: data.content,
      authorUserId: actor.userId,
      audienceId: data.audienceId ?? null,
      createdAt: now,
      updatedAt: now,
    },
  });
  await audit(deps, delivery, AUDIT.deliveryCreated, { kind: data.kind, title: data.title, revision: 1 });
  return delivery;
}

const UpdateInput = z.object({
  deliveryId: z.string(),
  title: boundedText(MAX_NAME_LENGTH).optional(),
  content: MessageContent.optional(),
});

/** Edits return the delivery to DRAFT and void its approvals: they approved another text (R-APPROVAL-2). */
export async function updateDraft(deps: Deps, input: { deliveryId: string; title?: string | null; content?: unknown }): Promise<Delivery> {
  const data = parseInput(UpdateInput, { ...input, title: input.title ?? undefined, content: input.content ?? undefined });
  const delivery = await loadFor(deps, data.deliveryId, 'update', 'edit');
  const changes: Prisma.DeliveryUncheckedUpdateManyInput = {};
  const diff: Record<string, { from: unknown; to: unknown }> = {};
  if (data.title !== undefined && data.title !== delivery.title) {
    changes.title = data.title;
    diff.title = { from: delivery.title, to: data.title };
  }
  if (data.content !== undefined && JSON.stringify(data.content) !== JSON.stringify(delivery.content)) {
    changes.content = data.content;
    changes.contentType = data.content.type;
    diff.content = { from: delivery.content, to: data.content };
  }
  if (Object.keys(diff).length === 0) return delivery;
  return transition(deps, delivery, 'edit', {
    data: { ...changes, revision: { increment: 1 }, rejectionReason: null },
    actorUserId: deps.actor.userId,
    audit: { changes: diff as Prisma.InputJsonObject },
    event: {},
  });
}

/**
 * DRAFT → PENDING_APPROVAL. Enabled plugins' veto hooks and policies run
 * first (a reject refuses the submit); the combined requirement is stored
 * for this revision.
 */
export async function submitDraft(deps: Deps, deliveryId: string): Promise<Delivery> {
  const delivery = await loadFor(deps, deliveryId, 'submit', 'submit');
  await runVetoHook(deps, 'beforeSubmit', delivery);
  const requirement = await requirementFor(deps, delivery, 'submit');
  const submitted = await transition(deps, delivery, 'submit', {
    actorUserId: deps.actor.userId,
    audit: { requiredApprovals: requirement.requiredApprovals, requestedBy: requestedBy(requirement) },
    event: {},
  });
  await recordApprovalRequest(deps.tx, submitted, requirement, deps.clock.now());
  return submitted;
}

/**
 * R-APPROVAL-1: only a member with send permission approves; the approval is
 * tied to the revision. The delivery stays PENDING_APPROVAL until the
 * requirement stored at submit is met (N distinct eligible members), and
 * only then becomes APPROVED.
 */
export async function approveDelivery(deps: Deps, deliveryId: string): Promise<Delivery> {
  // Two approvers racing must see each other's approval, or both would leave it pending.
  await deps.tx.$queryRaw`SELECT id FROM "Delivery" WHERE id = ${deliveryId}::uuid FOR UPDATE`;
  const delivery = await loadFor(deps, deliveryId, 'approve', 'approve');
  await runVetoHook(deps, 'beforeApprove', delivery);
  // A revision submitted before requirements were stored gets one evaluated now.
  const requirement = (await storedRequirement(deps.tx, delivery)) ?? (await requirementFor(deps, delivery, 'submit'));
  await assertEligibleApprover(deps, delivery, requirement);
  await deps.tx.deliveryApproval.create({
    data: { deliveryId: delivery.id, revision: delivery.revision, userId: deps.actor.userId, createdAt: deps.clock.now() },
  });
  const progress = await approvalProgress(deps.tx, delivery, requirement);
  // The conditional update also proves no edit slipped in since the delivery was read.
  // A partial approval is announced too: dashboards show who still has to approve.
  return transition(deps, delivery, progress.satisfied ? 'approve' : 'addApproval', {
    actorUserId: deps.actor.userId,
    audit: { approvals: progress.approvedBy.length, requiredApprovals: requirement.requiredApprovals },
    event: {},
  });
}

/** An approval that would not count is refused rather than recorded, so the member knows why. */
async function assertEligibleApprover(deps: Deps, delivery: Delivery, requirement: Requirement): Promise<void> {
  const userId = deps.actor.userId;
  if (requirement.excludeAuthor && userId === delivery.authorUserId) {
    const by = requestedBy(requirement);
    throw new ApproverNotEligibleError('AUTHOR', `The author's own approval does not count here${by.length ? ` (plugin ${by.map((id) => `"${id}"`).join(', ')})` : ''}: ask another member.`);
  }
  const member = await deps.tx.member.findUnique({ where: { accountId_userId: { accountId: delivery.accountId, userId } }, select: { role: true } });
  if (!member || !requirement.roles.includes(member.role)) {
    throw new ApproverNotEligibleError('ROLE', `Only approvals from ${requirement.roles.join(' or ')} count for this delivery.`);
  }
  const already = await deps.tx.deliveryApproval.findUnique({
    where: { deliveryId_revision_userId: { deliveryId: delivery.id, revision: delivery.revision, userId } },
    select: { id: true },
  });
  if (already) throw new ConflictError('ALREADY_APPROVED', 'You already approved this revision: the remaining approvals must come from other members.');
}

const RejectInput = z.object({ deliveryId: z.string(), reason: boundedText(MAX_REPORT_REASON_LENGTH) });

export async function rejectDelivery(deps: Deps, input: { deliveryId: string; reason: string }): Promise<Delivery> {
  const data = parseInput(RejectInput, input);
  const delivery = await loadFor(deps, data.deliveryId, 'approve', 'reject');
  return transition(deps, delivery, 'reject', {
    data: { rejectionReason: data.reason },
    actorUserId: deps.actor.userId,
    audit: { reason: data.reason },
    event: { reason: data.reason },
  });
}

export async function cancelDelivery(deps: Deps, deliveryId: string): Promise<Delivery> {
  const delivery = await loadFor(deps, deliveryId, 'cancel', 'cancel');
  return transition(deps, delivery, 'cancel', { actorUserId: deps.actor.userId, event: {} });
}

/** Loads a readable delivery (else NOT_FOUND), checks the role (else FORBIDDEN), then the state (R-APPROVAL-2). */
async function loadFor(deps: Deps, deliveryId: string, action: 'update' | 'submit' | 'approve' | 'cancel', step: LifecycleStep): Promise<Delivery> {
  const delivery = await loadReadable(deps, 'Delivery', deliveryId);
  assertCan(deps.actor.ability, action, 'Delivery', delivery);
  assertStep(delivery, step);
  return delivery;
}

function audit(deps: Deps, delivery: Delivery, action: AuditAction, data: Prisma.InputJsonObject) {
  return recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: deps.actor.userId,
    action,
    subject: { type: 'Delivery', id: delivery.id },
    data: { ...data, status: delivery.status },
  });
}
