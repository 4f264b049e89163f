import type { Delivery } from '../../generated/prisma/client.ts';
import { loadReadable } from '../load-readable.ts';
import type { Deps } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { egress } from '../egress/gate.ts';

/**
 * R-SAFE-2: sends the delivery's current content, as TEST messages, to the
 * sender's own linked test recipients only — never anyone else — in any
 * state before it is sent. No approval, no quota; the delivery keeps its
 * state. The gate decides who may and whom it reaches.
 */
export async function sendTestDelivery(deps: Deps, deliveryId: string): Promise<{ delivery: Delivery; recipientCount: number }> {
  const { tx, actor } = deps;
  const delivery = await loadReadable(deps, 'Delivery', deliveryId);
  const { written } = await egress(deps, { kind: 'TEST', actor, delivery });
  const updated = await tx.delivery.update({ where: { id: delivery.id }, data: { testSendCount: { increment: 1 } } });
  await recordAudit(deps, {
    accountId: delivery.accountId,
    actorUserId: actor.userId,
    action: AUDIT.deliveryTestSent,
    subject: { type: 'Delivery', id: delivery.id },
    data: { revision: delivery.revision, status: delivery.status, testRecipients: written },
  });
  return { delivery: updated, recipientCount: written };
}
