import type { AppDeps, DomainConfig } from '../../deps.ts';
import { QUEUES } from '../../jobs/queue.ts';
import { continueSend, runFanOut } from './fan-out.service.ts';
import { runScheduledSend, type ScheduledSendJob } from './schedule.service.ts';

/** A SENDING delivery untouched this long is taken to be orphaned by a crashed instance. */
export const RESUME_AFTER_MS = 60_000;

export type DeliveryJobDeps = Pick<AppDeps, 'db' | 'clock' | 'logger' | 'plugins' | 'events' | 'jobs'> & { config: DomainConfig };

/** Thrown so the queue retries the job later (with backoff) instead of completing it. */
export class NotDueYet extends Error {}

/** Runs one scheduled-send job: starts the send in one transaction, then writes the recipients. */
export async function handleScheduledSend(deps: DeliveryJobDeps, job: ScheduledSendJob): Promise<void> {
  const result = await deps.db.prisma.$transaction((tx) => runScheduledSend({ tx, clock: deps.clock, config: deps.config, plugins: deps.plugins, jobs: deps.jobs }, job));
  deps.events.publisher.nudge();
  switch (result.outcome) {
    case 'started':
      await continueSend(deps, result.delivery);
      return;
    case 'not-due':
      // The queue's clock ran ahead of ours: try again shortly.
      throw new NotDueYet(`delivery ${job.deliveryId} is due at ${result.dueAt.toISOString()}`);
    case 'failed':
      deps.logger.warn({ deliveryId: job.deliveryId, errorCode: result.code }, `scheduled send refused: ${result.message}`);
      return;
    case 'stale':
      return;
  }
}

/**
 * Finishes every send left in SENDING by an instance that stopped part-way,
 * and sends SCHEDULED deliveries whose time passed without their job running
 * (the queue drops jobs left unstarted for weeks, e.g. an embedded server
 * that was not running): late, but never skipped and never twice.
 */
export async function resumeInterruptedSends(deps: DeliveryJobDeps, olderThanMs = RESUME_AFTER_MS): Promise<number> {
  const before = new Date(deps.clock.now().getTime() - olderThanMs);
  const stuck = await deps.db.prisma.delivery.findMany({ where: { status: 'SENDING', updatedAt: { lte: before } }, select: { id: true } });
  for (const { id } of stuck) await runFanOut(deps, id);
  const overdue = await deps.db.prisma.delivery.findMany({
    where: { status: 'SCHEDULED', scheduledAt: { lte: before } },
    select: { id: true, scheduledAt: true },
  });
  for (const { id, scheduledAt } of overdue) await handleScheduledSend(deps, { deliveryId: id, scheduledAt: scheduledAt!.toISOString() });
  return stuck.length + overdue.length;
}

export function deliveryJobHandlers(deps: DeliveryJobDeps) {
  return {
    [QUEUES.scheduledSend.name]: (data: unknown) => handleScheduledSend(deps, data as ScheduledSendJob),
    [QUEUES.resumeSends.name]: async () => {
      const resumed = await resumeInterruptedSends(deps);
      if (resumed > 0) deps.logger.info({ resumed }, 'resumed interrupted sends');
    },
  };
}
