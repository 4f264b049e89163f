import type { Tx } from '../db/client.ts';
import { ConflictError } from '../errors.ts';

// R-SAFE-1: a retried request with the same key returns the first result.

type Claim = { accountId: string; scope: string; key: string; requestHash: string; now: Date };

/**
 * Claims the key for this request, or returns the id the earlier request with
 * it produced. INSERT … ON CONFLICT DO NOTHING makes a racing duplicate wait
 * for the first transaction and then see its record, so only one of them does
 * the work. A key reused for a different request is refused.
 */
export async function claimIdempotencyKey(tx: Tx, claim: Claim): Promise<{ resultId: string } | null> {
  const inserted = await tx.$executeRaw`
    INSERT INTO "IdempotencyRecord" ("accountId", scope, key, "requestHash", "createdAt")
    VALUES (${claim.accountId}::uuid, ${claim.scope}, ${claim.key}, ${claim.requestHash}, ${claim.now})
    ON CONFLICT DO NOTHING`;
  if (inserted === 1) return null;
  const previous = await findIdempotentResult(tx, claim);
  if (!previous) throw new Error(`idempotency record ${claim.scope}/${claim.key} vanished after a conflict`);
  return previous;
}

/**
 * What the earlier request with this key produced, or null if the key is
 * unused. A key used for a different request is refused.
 */
export async function findIdempotentResult(tx: Tx, claim: Omit<Claim, 'now'>): Promise<{ resultId: string } | null> {
  const record = await tx.idempotencyRecord.findUnique({
    where: { accountId_scope_key: { accountId: claim.accountId, scope: claim.scope, key: claim.key } },
  });
  if (!record) return null;
  if (record.requestHash !== claim.requestHash || !record.resultId) {
    throw new ConflictError('IDEMPOTENCY_KEY_REUSED', 'idempotencyKey: already used for a different request; use a new key (R-SAFE-1).');
  }
  return { resultId: record.resultId };
}

/** Stores what the claimed request produced, for the retries to return. */
export async function recordIdempotentResult(tx: Tx, claim: Omit<Claim, 'requestHash' | 'now'>, resultId: string): Promise<void> {
  await tx.idempotencyRecord.update({
    where: { accountId_scope_key: { accountId: claim.accountId, scope: claim.scope, key: claim.key } },
    data: { resultId },
  });
}
