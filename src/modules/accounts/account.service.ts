import { z } from 'zod';
import type { Account } from '../../generated/prisma/client.ts';
import { can } from '../../auth/ability.ts';
import type { Deps } from '../../deps.ts';
import { NotFoundError } from '../../errors.ts';
import { MAX_NAME_LENGTH } from '../../limits.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { boundedText, parseInput } from '../validate.ts';

// Moved to src/deps.ts; re-exported so existing imports keep working.
export type { Actor, Deps } from '../../deps.ts';

const CreateAccountInput = z.object({ name: boundedText(MAX_NAME_LENGTH) });

/** The creator becomes the first ADMIN (R-MEMBER-3 holds from the start). */
export async function createAccount(deps: Deps, input: z.input<typeof CreateAccountInput>): Promise<Account> {
  const { name } = parseInput(CreateAccountInput, input);
  const { tx, clock, actor } = deps;
  const now = clock.now();
  const account = await tx.account.create({
    data: {
      name,
      createdAt: now,
      memberCount: 1,
      adminCount: 1,
      members: { create: { userId: actor.userId, role: 'ADMIN', createdAt: now } },
    },
  });
  await recordAudit(deps, {
    accountId: account.id,
    actorUserId: actor.userId,
    action: AUDIT.accountCreated,
    subject: { type: 'Account', id: account.id },
    data: { name },
  });
  return account;
}

/**
 * Loads an account the actor may read; any other id is NOT_FOUND, exactly as
 * a missing one (tenancy). `forUpdate` locks the row for counter changes.
 */
export async function loadAccount(deps: Deps, accountId: string, field = 'accountId'): Promise<Account> {
  const account = await deps.tx.account.findUnique({ where: { id: accountId } });
  if (!account || !can(deps.actor.ability, 'read', 'Account', account)) throw new NotFoundError(field);
  return account;
}

