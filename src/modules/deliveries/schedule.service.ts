import { z } from 'zod';
import type { Delivery } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan, can, defineAbilityFor } from '../../auth/ability.ts';
import { AppError, NotFoundError, ValidationError } from '../../errors.ts';
import { QUEUES } from '../../jobs/queue.ts';
import { MAX_SCHEDULE_AHEAD_DAYS } from '../../limits.ts';
import type { Deps, SystemDeps } from '../../deps.ts';
import { parseInput } from '../validate.ts';
import { loadReadable } from '../load-readable.ts';
import { transition } from './lifecycle.ts';
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
  const delivery = await loadReadable(deps, 'Delivery', data.deliveryId);
  assertCan(actor.ability, 'send', 'Delivery', delivery);
  if (delivery.status !== 'SCHEDULED') await assertSendable(tx, delivery, 'scheduled');
  // Approvals the plugins require must be in before it is scheduled; veto
  // hooks (business hours…) judge the moment of sending, so they run then.
  await assertApprovalSatisfied(deps, delivery);

  const job: ScheduledSendJob = { deliveryId: delivery.id, scheduledAt: data.at.toISOString() };
  const scheduled = await transition(deps, delivery, 'schedule', {
    data: { scheduledAt: data.at, scheduledByUserId: actor.userId },
    actorUserId: actor.userId,
    audit: { at: job.scheduledAt, previousAt: delivery.scheduledAt?.toISOString() ?? null },
    event: { scheduledAt: job.scheduledAt },
  });
  await deps.jobs.enqueue(tx, QUEUES.scheduledSend.name, job, { startAfter: data.at, singletonKey: `${delivery.id}@${job.scheduledAt}` });
  return scheduled;
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
    await transition(deps, delivery, 'scheduleFailed', {
      to: back,
      data: { scheduledAt: null },
      actorUserId: null,
      audit: { code: error.code, reason: error.message },
      event: { code: error.code },
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
