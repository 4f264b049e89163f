import type { Prisma, Role } from '../../generated/prisma/client.ts';
import type { Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { ApprovalRequiredError, PluginRejectedError } from '../../errors.ts';
import { authorRoleInTx, evaluatePolicies, type RunnerDeps } from '../../plugin-system/runner.ts';

// How many approvals a delivery revision needs and from whom: the built-in
// rule (R-APPROVAL-1) combined with the policies of enabled plugins.

/** R-APPROVAL-1: the roles with send permission, the only ones that approve. */
export const SENDER_ROLES: readonly Role[] = ['ADMIN', 'OPERATOR'];

/** One policy's ask, kept with the combined requirement so members see who asked for what. */
export type RequirementSource = {
  /** Null for the built-in rule. */
  pluginId: string | null;
  policyKey: string;
  approvals: number;
  roles: Role[];
  excludeAuthor: boolean;
  reason: string | null;
};

export type Requirement = {
  requiredApprovals: number;
  roles: Role[];
  excludeAuthor: boolean;
  sources: RequirementSource[];
};

/** R-APPROVAL-1 as a requirement: one approval by a sender, unless the author may send. */
export function builtInRequirement(authorRole: Role | null): RequirementSource {
  const authorCanSend = authorRole !== null && SENDER_ROLES.includes(authorRole);
  return {
    pluginId: null,
    policyKey: 'R-APPROVAL-1',
    approvals: authorCanSend ? 0 : 1,
    roles: [...SENDER_ROLES],
    excludeAuthor: false,
    reason: authorCanSend ? null : 'The author has no send permission: a member with it must approve (R-APPROVAL-1).',
  };
}

/**
 * The strictest combination: the most approvals, only roles every source
 * accepts, and the author excluded if any source says so. N approvals that
 * satisfy this satisfy each source on its own.
 */
export function combineRequirements(sources: RequirementSource[]): Requirement {
  let roles = [...SENDER_ROLES];
  for (const source of sources) roles = roles.filter((role) => source.roles.includes(role));
  return {
    requiredApprovals: Math.max(0, ...sources.map((s) => s.approvals)),
    roles,
    excludeAuthor: sources.some((s) => s.excludeAuthor),
    sources,
  };
}

/**
 * Evaluates the requirement for the delivery's current revision now. A
 * plugin's reject is thrown as PLUGIN_REJECTED; so is a combination no role
 * can satisfy (two plugins restricting approvers to disjoint roles).
 */
export async function requirementFor(deps: RunnerDeps, delivery: Delivery, step: 'submit' | 'send' | 'preview'): Promise<Requirement> {
  const authorRole = await authorRoleInTx(deps.tx, delivery);
  const answers = await evaluatePolicies(deps, delivery, step);
  const sources = [
    builtInRequirement(authorRole),
    ...answers.map(({ pluginId, policyKey, requirement }) => ({
      pluginId,
      policyKey,
      approvals: requirement.approvals,
      roles: (requirement.roles ?? [...SENDER_ROLES]) as Role[],
      excludeAuthor: requirement.excludeAuthor ?? false,
      reason: requirement.reason ?? null,
    })),
  ];
  const combined = combineRequirements(sources);
  if (combined.requiredApprovals > 0 && combined.roles.length === 0) {
    const restricting = sources.find((s) => s.pluginId && s.roles.length < SENDER_ROLES.length);
    throw new PluginRejectedError(restricting?.pluginId ?? 'unknown', step, 'the approver roles asked for by enabled plugins leave no one who may approve');
  }
  return combined;
}

/** Stores what the submitted revision needs (one row per revision). */
export async function recordApprovalRequest(tx: Tx, delivery: Delivery, requirement: Requirement, now: Date): Promise<void> {
  const data = {
    requiredApprovals: requirement.requiredApprovals,
    roles: requirement.roles,
    excludeAuthor: requirement.excludeAuthor,
    sources: requirement.sources as unknown as Prisma.InputJsonArray,
    createdAt: now,
  };
  await tx.approvalRequest.upsert({
    where: { deliveryId_revision: { deliveryId: delivery.id, revision: delivery.revision } },
    create: { deliveryId: delivery.id, revision: delivery.revision, ...data },
    update: data,
  });
}

/** The requirement stored when the current revision was submitted; null if it was not. */
export async function storedRequirement(tx: Tx, delivery: Delivery): Promise<Requirement | null> {
  const row = await tx.approvalRequest.findUnique({ where: { deliveryId_revision: { deliveryId: delivery.id, revision: delivery.revision } } });
  if (!row) return null;
  return { requiredApprovals: row.requiredApprovals, roles: row.roles, excludeAuthor: row.excludeAuthor, sources: row.sources as unknown as RequirementSource[] };
}

export type ApprovalProgress = Requirement & {
  /** Approvals of this revision that count: distinct members, eligible now. */
  approvedBy: string[];
  /** Members who may still approve and whose approval would count. */
  eligibleApprovers: string[];
  satisfied: boolean;
};

/**
 * Counts the current revision's approvals against a requirement, with
 * members' roles as they are now: an approver who has since left or lost
 * send permission no longer counts.
 */
export async function approvalProgress(tx: Tx, delivery: Delivery, requirement: Requirement): Promise<ApprovalProgress> {
  const [approvals, members] = await Promise.all([
    tx.deliveryApproval.findMany({ where: { deliveryId: delivery.id, revision: delivery.revision }, select: { userId: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
    tx.member.findMany({ where: { accountId: delivery.accountId, role: { in: requirement.roles } }, select: { userId: true }, orderBy: [{ createdAt: 'asc' }, { id: 'asc' }] }),
  ]);
  const eligible = new Set(members.map((m) => m.userId).filter((id) => !(requirement.excludeAuthor && id === delivery.authorUserId)));
  const approvedBy = approvals.map((a) => a.userId).filter((id) => eligible.has(id));
  const counted = new Set(approvedBy);
  return {
    ...requirement,
    approvedBy,
    eligibleApprovers: [...eligible].filter((id) => !counted.has(id)),
    satisfied: approvedBy.length >= requirement.requiredApprovals,
  };
}

/** Plugin ids that asked for approvals (for messages and the API). */
export function requestedBy(requirement: Requirement): string[] {
  return [...new Set(requirement.sources.filter((s) => s.pluginId && s.approvals > 0).map((s) => s.pluginId!))];
}

/**
 * The send-time re-check: evaluates the requirement afresh (plugins enabled,
 * disabled or reconfigured since the submit count as they are now; a
 * reject still wins) and refuses unless this revision has enough approvals.
 * `sendDelivery` calls it right after its own state checks.
 */
export async function assertApprovalSatisfied(deps: RunnerDeps, delivery: Delivery): Promise<void> {
  const requirement = await requirementFor(deps, delivery, 'send');
  if (requirement.requiredApprovals === 0) return;
  const progress = await approvalProgress(deps.tx, delivery, requirement);
  if (!progress.satisfied) throw new ApprovalRequiredError(requirement.requiredApprovals, progress.approvedBy.length, requestedBy(requirement));
}
