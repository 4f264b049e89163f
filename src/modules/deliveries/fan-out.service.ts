import type { Delivery } from '../../generated/prisma/client.ts';
import type { Clock } from '../../clock.ts';
import type { Tx } from '../../db/client.ts';
import type { AppDeps, DomainConfig } from '../../deps.ts';
import { egress } from '../egress/gate.ts';
import { reachesAudience } from '../egress/egress-policy.ts';
import { releaseQuota } from './quota.service.ts';
import { transition } from './lifecycle.ts';
import { progressReporter } from '../../events/progress.ts';

/** Runs after commit, one transaction per batch; `config.fanOutBatchSize` recipients per transaction (FAN_OUT_BATCH_SIZE). */
export type FanOutDeps = Pick<AppDeps, 'db' | 'clock' | 'events'> & {
  config: Pick<DomainConfig, 'fanOutBatchSize'>;
  /** Called after each committed batch (tests use it to stop a send part-way). */
  afterBatch?: (progress: { deliveryId: string; written: number; total: number }) => Promise<void> | void;
};

/**
 * The second half of every send, written once for the sendDelivery resolver
 * and the scheduled-send job alike: after the start committed (quota held,
 * SENDING), write the recipients. A send cut short here is not lost: it
 * stays SENDING and the resume job (or a retry with the same key) finishes
 * it from the committed cursor, so the caller gets the delivery as it is.
 */
export async function continueSend(deps: FanOutDeps & Pick<AppDeps, 'logger'>, started: Delivery): Promise<Delivery> {
  if (started.status !== 'SENDING') return started;
  try {
    return await runFanOut(deps, started.id);
  } catch (error) {
    deps.logger.error({ err: error, deliveryId: started.id }, 'fan-out interrupted; the resume job will finish it');
    return deps.db.prisma.delivery.findUniqueOrThrow({ where: { id: started.id } });
  }
}

/**
 * Writes a SENDING delivery's recipients in batches until none are left, then
 * marks it SENT. Each batch is one transaction that locks the delivery row,
 * reads the cursor, writes the next friends' messages and recipient rows and
 * moves the cursor: a crash loses at most the batch in flight (rolled back),
 * and whoever runs this next — the same request, another instance, or the
 * resume job — continues from the committed cursor. Two runners at once
 * serialise on the row lock, so every recipient is written exactly once.
 */
export async function runFanOut(deps: FanOutDeps, deliveryId: string): Promise<Delivery> {
  const batchSize = deps.config.fanOutBatchSize;
  let progress: ReturnType<typeof progressReporter> | undefined;
  for (;;) {
    const step = await deps.db.prisma.$transaction(async (tx) => {
      const result = await fanOutBatch(tx, deps.clock, deliveryId, batchSize);
      const { delivery } = result;
      if (!result.done && delivery.status === 'SENDING') {
        progress ??= progressReporter(deps.clock, { accountId: delivery.accountId, deliveryId, total: delivery.quotaReserved ?? 0 });
        await progress.report(tx, delivery.recipientCount ?? 0);
      }
      return result;
    });
    // The batch committed events (progress, sent): the publisher sends them now.
    deps.events.publisher.nudge();
    if (step.done) return step.delivery;
    await deps.afterBatch?.({ deliveryId, written: step.delivery.recipientCount ?? 0, total: step.delivery.quotaReserved ?? 0 });
    // Let requests that arrived meanwhile queue their statements before the
    // next batch: on embedded PGlite (one connection) a big send would
    // otherwise hold the database until it ends.
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function fanOutBatch(tx: Tx, clock: Clock, deliveryId: string, batchSize: number): Promise<{ done: boolean; delivery: Delivery }> {
  const [locked] = await tx.$queryRaw<{ id: string }[]>`SELECT id FROM "Delivery" WHERE id = ${deliveryId}::uuid AND status = 'SENDING' FOR UPDATE`;
  const delivery = await tx.delivery.findUniqueOrThrow({ where: { id: deliveryId }, include: { audience: true, account: true } });
  if (!locked || !delivery.sendStartedAt) return { done: true, delivery };

  const now = clock.now();
  const after = delivery.fanOutCursor;
  const { kind } = delivery;
  if (!reachesAudience(kind)) throw new Error(`delivery ${delivery.id}: a ${kind} is not fanned out`);
  const batch = await egress({ tx, clock }, { kind, delivery, batchSize });
  const written = batch.written;
  const recipientCount = (delivery.recipientCount ?? 0) + written;

  if (written === batchSize && batch.last) {
    const moved = await tx.delivery.update({ where: { id: deliveryId }, data: { fanOutCursor: batch.last, recipientCount, updatedAt: now } });
    return { done: false, delivery: moved };
  }
  return { done: true, delivery: await finishSend(tx, now, delivery, recipientCount, batch.last ?? after) };
}

/** The last batch: SENT, the unused part of the reserved quota returned (friends who left meanwhile), recorded. */
async function finishSend(
  tx: Tx,
  now: Date,
  delivery: Delivery & { account: { id: string; plan: string; quotaOverride: number | null } },
  recipientCount: number,
  cursor: string | null,
): Promise<Delivery> {
  const reserved = delivery.quotaReserved ?? 0;
  const units = reserved > 0 ? recipientCount : 0;
  if (reserved > units) await releaseQuota(tx, delivery.accountId, reserved - units, delivery.sendStartedAt ?? now);
  return transition({ tx, clock: { now: () => now } }, delivery, 'finishSend', {
    data: { recipientCount, quotaUnits: units, fanOutCursor: cursor, sentAt: now },
    actorUserId: delivery.sentByUserId,
    audit: { recipients: recipientCount, quotaUnits: units },
    event: { recipientCount },
  });
}
