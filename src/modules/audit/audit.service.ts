import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import type { Clock } from '../../clock.ts';
import type { AuditAction } from './audit-actions.ts';
import { recordEvent } from '../../events/outbox.ts';
import type { NewEvent } from '../../events/types.ts';

export type AuditEntry = {
  accountId: string;
  actorUserId: string | null;
  action: AuditAction;
  subject: { type: string; id: string };
  data?: Prisma.InputJsonObject;
};

/** Written in the caller's transaction, so an audit row exists exactly when the change does. */
export async function recordAudit(deps: { tx: Tx; clock: Clock }, entry: AuditEntry): Promise<void> {
  await deps.tx.auditEvent.create({
    data: {
      accountId: entry.accountId,
      actorUserId: entry.actorUserId,
      action: entry.action,
      subjectType: entry.subject.type,
      subjectId: entry.subject.id,
      data: entry.data ?? {},
      createdAt: deps.clock.now(),
    },
  });
}

/**
 * A change that is both recorded and announced: the audit row and the
 * outbox event are written by one call, so neither list can drift from the
 * other.
 */
export async function recordChange(deps: { tx: Tx; clock: Clock }, change: { audit: AuditEntry; event: NewEvent }): Promise<void> {
  await recordAudit(deps, change.audit);
  await recordEvent(deps, change.event);
}
