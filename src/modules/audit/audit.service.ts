import type { Prisma } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import type { Clock } from '../../clock.ts';
import type { AuditAction } from './audit-actions.ts';

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
