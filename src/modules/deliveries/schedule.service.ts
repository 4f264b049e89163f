import { z } from 'zod';
import type { Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan, can, defineAbilityFor } from '../../auth/ability.ts';
import { AppError, InvalidTransitionError, NotFoundError, ValidationError } from '../../errors.ts';
import { QUEUES } from '../../jobs/queue.ts';
import { MAX_SCHEDULE_AHEAD_DAYS } from '../../limits.ts';
import type { Deps, SystemDeps } from '../../deps.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { parseInput } from '../validate.ts';
import { recordEvent } from '../../events/outbox.ts';
import { assertPluginsAllowSend, assertSendable, startSending } from './send.service.ts';
import { assertApprovalSatisfied } from '../approvals/approval.service.ts';

const DAY_MS = 24 * 60 * 60 * 1000;

const ScheduleInput = z.object({ deliveryId: z.string(), at: z.date() });

/** What a scheduled-send job carries: the job is only good for the time it was made for. */
export type ScheduledSendJob = { deliveryId: string; scheduledAt: string };

/**
 * R-APPROVAL-2 (APPROVED → SCHEDULED) and R-SAFE-1: the delivery is sent at
 * `at` by the job queue. Who may schedule is who may send; a SCHEDULED
 * delivery may be moved to another time (the old job then finds nothing to
 * do). The job is enqueued in this transaction, so it exists exactly when the
 * schedule does.
 */
export async function scheduleDelivery(deps: Deps, input: { deliveryId: string; at: Date }): Promise<Delivery> {
  const data = parseInput(ScheduleInput, input);
  const { tx, clock, actor } = deps;
  const now = clock.now();
  if (data.at.getTime() <= now.getTime()) throw new ValidationError('at', 'must be in the future');
  if (data.at.getTime() > now.getTime() + MAX_SCHEDULE_AHEAD_DAYS * DAY_MS) {
    throw new ValidationError('at', `must be within ${MAX_SCHEDULE_AHEAD_DAYS} days`, MAX_SCHEDULE_AHEAD_DAYS);
  }
  const delivery = await tx.delivery.findUnique({ where: { id: data.deliveryId } });
  if (!delivery || !can(actor.ability, 'read', 'Delivery', delivery)) throw new NotFoundError('deliveryId');
  assertCan(actor.ability, 'send', 'Delivery', delivery);
  if (delivery.status !== 'SCHEDULED') await assertSendable(tx, delivery, 'scheduled');
  // Approvals the plugins require must be in before it is scheduled; veto
  // hooks (business hours…) judge the moment of sending, so they run then.
  await assertApprovalSatisfied(deps, delivery);

  const { count } = await tx.delivery.updateMany({
    where: { id: delivery.id, status: delivery.status, revision: delivery.revision },
    data: { status: 'SCHEDULED', scheduledAt: data.at, scheduledByUserId: actor.userId, updatedAt: now },
  });
  if (count === 0) {
    const current = await tx.delivery.findUniqueOrThrow({ where: { id: delivery.id }, select: { status: true } });
    throw new InvalidTransitionError(current.status, 'scheduled');
  }
  const job: ScheduledSendJob = { deliveryId: delivery.id, scheduledAt: data.at.toISOString() };
  await deps.jobs.enqueue(tx, QUEUES.scheduledSend.name, job, { startAfter: data.at, singletonKey: `${delivery.id}@${job.scheduledAt}` });
  await recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: actor.userId,
    action: AUDIT.deliveryScheduled,
    subject: { type: 'Delivery', id: delivery.id },
    data: { from: delivery.status, status: 'SCHEDULED', revision: delivery.revision, at: job.scheduledAt, previousAt: delivery.scheduledAt?.toISOString() ?? null },
  });
  await recordEvent(deps, {
    accountId: delivery.accountId,
    type: 'delivery.scheduled',
    payload: { deliveryId: delivery.id, status: 'SCHEDULED', from: delivery.status, actorUserId: actor.userId, revision: delivery.revision, scheduledAt: job.scheduledAt },
  });
  return tx.delivery.findUniqueOrThrow({ where: { id: delivery.id } });
}

export type ScheduledSendOutcome =
  | { outcome: 'started'; delivery: Delivery }
  | { outcome: 'stale' }
  | { outcome: 'not-due'; dueAt: Date }
  | { outcome: 'failed'; code: string; message: string };

/**
 * Runs a scheduled-send job. Idempotent: a job re-run, a job for a time the
 * delivery was moved from, or one for a cancelled delivery finds the delivery
 * no longer SCHEDULED for that time and does nothing. The send runs with the
 * permission the scheduler has now: one who lost send permission, or a send
 * refused for quota or audience size, returns the delivery to where it was
 * scheduled from, recorded in the audit log, rather than retrying forever.
 */
export async function runScheduledSend(
  deps: SystemDeps,
  job: ScheduledSendJob,
): Promise<ScheduledSendOutcome> {
  const { tx, clock } = deps;
  await tx.$queryRaw`SELECT id FROM "Delivery" WHERE id = ${job.deliveryId}::uuid FOR UPDATE`;
  const delivery = await tx.delivery.findUnique({ where: { id: job.deliveryId }, include: { account: true, audience: true } });
  if (!delivery || delivery.status !== 'SCHEDULED' || delivery.scheduledAt?.toISOString() !== job.scheduledAt || !delivery.scheduledByUserId) {
    return { outcome: 'stale' };
  }
  if (clock.now().getTime() < delivery.scheduledAt.getTime()) return { outcome: 'not-due', dueAt: delivery.scheduledAt };

  const memberships = await tx.member.findMany({ where: { userId: delivery.scheduledByUserId }, select: { accountId: true, role: true } });
  const ability = defineAbilityFor({ userId: delivery.scheduledByUserId, email: '', memberships });
  try {
    if (!can(ability, 'send', 'Delivery', delivery)) {
      throw new AppError('SEND_PERMISSION_LOST', 'The member who scheduled this delivery no longer has send permission in the account.');
    }
    const sender = delivery.scheduledByUserId;
    const started = await withSavepoint(tx, async () => {
      await assertPluginsAllowSend({ ...deps, actor: { userId: sender } }, delivery);
      return startSending(deps, delivery, sender);
    });
    return { outcome: 'started', delivery: started };
  } catch (error) {
    if (!(error instanceof AppError)) throw error;
    const approved = await tx.deliveryApproval.findFirst({ where: { deliveryId: delivery.id, revision: delivery.revision } });
    const back = approved ? 'APPROVED' : 'DRAFT';
    await tx.delivery.update({ where: { id: delivery.id }, data: { status: back, scheduledAt: null, updatedAt: clock.now() } });
    await recordAudit(deps, {
      accountId: delivery.accountId,
      actorUserId: null,
      action: AUDIT.deliveryScheduleFailed,
      subject: { type: 'Delivery', id: delivery.id },
      data: { from: 'SCHEDULED', status: back, revision: delivery.revision, code: error.code, reason: error.message },
    });
    await recordEvent(deps, {
      accountId: delivery.accountId,
      type: 'delivery.schedule_failed',
      payload: { deliveryId: delivery.id, status: back, from: 'SCHEDULED', actorUserId: null, revision: delivery.revision, code: error.code },
    });
    return { outcome: 'failed', code: error.code, message: error.message };
  }
}

/** A refused start must undo its partial writes (the SENDING claim) but keep the transaction for recording the failure. */
async function withSavepoint<T>(tx: Tx, fn: () => Promise<T>): Promise<T> {
  await tx.$executeRawUnsafe('SAVEPOINT scheduled_send');
  try {
    const result = await fn();
    await tx.$executeRawUnsafe('RELEASE SAVEPOINT scheduled_send');
    return result;
  } catch (error) {
    await tx.$executeRawUnsafe('ROLLBACK TO SAVEPOINT scheduled_send');
    throw error;
  }
}
