import type { Delivery, DeliveryStatus, Prisma } from '../../generated/prisma/client.ts';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import { InvalidTransitionError } from '../../errors.ts';
import type { EventPayloads } from '../../events/types.ts';
import { type AuditAction, AUDIT } from '../audit/audit-actions.ts';
import { recordChange } from '../audit/audit.service.ts';

type DeliveryEvent = Exclude<Extract<keyof EventPayloads, `delivery.${string}`>, 'delivery.progress'>;

type Step = {
  /** R-APPROVAL-2: the states the step may start from. */
  from: readonly DeliveryStatus[];
  /** Where it ends (a step that may end in two places names both; the caller's data says which). */
  to: readonly DeliveryStatus[];
  /** How the refusal reads: "cannot be <past> from <state>". */
  past: string;
  audit: AuditAction;
  event: DeliveryEvent;
};

const EDITABLE = ['DRAFT', 'PENDING_APPROVAL', 'APPROVED', 'REJECTED'] as const;
/** A delivery its author may send directly (DRAFT), or one approved, or one coming due. */
const SENDABLE = ['DRAFT', 'APPROVED', 'SCHEDULED'] as const;

/**
 * The delivery lifecycle of R-APPROVAL-2, every transition in one table:
 * DRAFT → PENDING_APPROVAL → APPROVED → SCHEDULED | SENDING → SENT;
 * PENDING_APPROVAL → REJECTED → DRAFT; editing returns to DRAFT; a
 * scheduled send refused when due falls back to APPROVED or DRAFT. Each
 * step is recorded (R-APPROVAL-3) and announced by `transition()`.
 */
export const LIFECYCLE = {
  edit: { from: EDITABLE, to: ['DRAFT'], past: 'edited', audit: AUDIT.deliveryUpdated, event: 'delivery.updated' },
  submit: { from: ['DRAFT'], to: ['PENDING_APPROVAL'], past: 'submitted', audit: AUDIT.deliverySubmitted, event: 'delivery.submitted' },
  /** An approval that is not yet enough: the delivery stays pending; dashboards see who still must approve. */
  addApproval: { from: ['PENDING_APPROVAL'], to: ['PENDING_APPROVAL'], past: 'approved', audit: AUDIT.deliveryApprovalAdded, event: 'delivery.approved' },
  approve: { from: ['PENDING_APPROVAL'], to: ['APPROVED'], past: 'approved', audit: AUDIT.deliveryApproved, event: 'delivery.approved' },
  reject: { from: ['PENDING_APPROVAL'], to: ['REJECTED'], past: 'rejected', audit: AUDIT.deliveryRejected, event: 'delivery.rejected' },
  cancel: { from: [...EDITABLE, 'SCHEDULED'], to: ['CANCELLED'], past: 'cancelled', audit: AUDIT.deliveryCancelled, event: 'delivery.cancelled' },
  schedule: { from: SENDABLE, to: ['SCHEDULED'], past: 'scheduled', audit: AUDIT.deliveryScheduled, event: 'delivery.scheduled' },
  scheduleFailed: { from: ['SCHEDULED'], to: ['APPROVED', 'DRAFT'], past: 'returned', audit: AUDIT.deliveryScheduleFailed, event: 'delivery.schedule_failed' },
  startSend: { from: SENDABLE, to: ['SENDING'], past: 'sent', audit: AUDIT.deliverySending, event: 'delivery.sending' },
  finishSend: { from: ['SENDING'], to: ['SENT'], past: 'sent', audit: AUDIT.deliverySent, event: 'delivery.sent' },
} as const satisfies Record<string, Step>;

export type LifecycleStep = keyof typeof LIFECYCLE;
type StepOf<S extends LifecycleStep> = (typeof LIFECYCLE)[S];
type Extra<S extends LifecycleStep> = Omit<EventPayloads[StepOf<S>['event']], 'deliveryId' | 'status' | 'from' | 'actorUserId' | 'revision'>;

/** Refuses a step the delivery's state does not allow, before anything is written. */
export function assertStep(delivery: Pick<Delivery, 'status'>, step: LifecycleStep): void {
  const rule: Step = LIFECYCLE[step];
  if (!rule.from.includes(delivery.status)) throw new InvalidTransitionError(delivery.status, rule.past);
}

export type TransitionInput<S extends LifecycleStep> = {
  /** Where the step ends; defaults to its only target. */
  to?: StepOf<S>['to'][number];
  /** Other columns the step changes. */
  data?: Prisma.DeliveryUncheckedUpdateManyInput;
  /** Who took the step (null: the system, e.g. a scheduled send refused when due). */
  actorUserId: string | null;
  /** What the audit row records beside from, status and revision. */
  audit?: Prisma.InputJsonObject;
  /** What the event carries beside the state change. */
  event: Extra<S>;
};

/**
 * The one guarded transition: checks the step is allowed from the state
 * the delivery was read in, moves it only if it is still in that state and
 * revision (so racing steps — approve vs edit, two sends — cannot both
 * apply), and writes the audit row and the event together.
 */
export async function transition<S extends LifecycleStep>(
  deps: { tx: Tx; clock: Clock },
  delivery: Delivery,
  step: S,
  input: TransitionInput<S>,
): Promise<Delivery> {
  const rule: Step = LIFECYCLE[step];
  assertStep(delivery, step);
  const to = input.to ?? rule.to[0]!;
  if (!rule.to.includes(to)) throw new Error(`${step} cannot end in ${to}`);
  const { tx, clock } = deps;
  const { count } = await tx.delivery.updateMany({
    where: { id: delivery.id, status: delivery.status, revision: delivery.revision },
    data: { ...input.data, status: to, updatedAt: clock.now() },
  });
  if (count === 0) {
    const current = await tx.delivery.findUniqueOrThrow({ where: { id: delivery.id }, select: { status: true } });
    throw new InvalidTransitionError(current.status, rule.past);
  }
  const after = await tx.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
  const change = { deliveryId: after.id, status: after.status, from: delivery.status, actorUserId: input.actorUserId, revision: after.revision };
  await recordChange(deps, {
    audit: {
      accountId: after.accountId,
      actorUserId: input.actorUserId,
      action: rule.audit,
      subject: { type: 'Delivery', id: after.id },
      data: { from: delivery.status, status: after.status, revision: after.revision, ...input.audit },
    },
    event: { accountId: after.accountId, type: rule.event, payload: { ...change, ...input.event } as never },
  });
  return after;
}
