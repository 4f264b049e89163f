import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { hashToken, INVITATION_CODE_PREFIX, newToken } from '../../auth/token.ts';
import type { Tx } from '../../db/client.ts';
import { ConflictError, LastAdminError, LimitReachedError, NotFoundError } from '../../errors.ts';
import type { Account, Invitation, Member, Role } from '../../generated/prisma/client.ts';
import { Role as Roles } from '../../generated/prisma/enums.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { MAX_MEMBERS } from '../../limits.ts';
import { type Deps, loadAccount } from '../accounts/account.service.ts';
import { AUDIT } from '../audit/audit-actions.ts';
import { recordAudit } from '../audit/audit.service.ts';
import { recordEvent } from '../../events/outbox.ts';
import { email, parseInput } from '../validate.ts';

const InviteInput = z.object({ accountId: z.string(), email, role: z.enum(Roles) });

function memberLimit(account: Pick<Account, 'name'>): LimitReachedError {
  return new LimitReachedError(
    'MEMBER_LIMIT_REACHED',
    MAX_MEMBERS,
    `Account "${account.name}" already has ${MAX_MEMBERS} members, the most an account can have (R-MEMBER-1).`,
  );
}

/** A new invitation, with its secret code: returned once, to the inviter; only its hash is stored. */
export type IssuedInvitation = Invitation & { code: string };

/**
 * ADMIN invites an email with a role; re-inviting the same email renews the
 * pending invitation with a new code (the old one stops working). The code is
 * the proof that the person accepting was handed the invitation: the email
 * alone is not (anyone can sign up with it, issue 14 row 1).
 */
export async function inviteMember(
  deps: Deps,
  input: z.input<typeof InviteInput>,
): Promise<IssuedInvitation> {
  const data = parseInput(InviteInput, input);
  const { tx, clock, actor } = deps;
  const account = await loadAccount(deps, data.accountId);
  assertCan(actor.ability, 'update', 'Account', account);
  if (!can(actor.ability, 'invite', 'Account', account)) throw memberLimit(account);
  const existing = await tx.member.findFirst({ where: { accountId: account.id, user: { email: data.email } } });
  if (existing) throw new ConflictError('ALREADY_MEMBER', `email: ${data.email} is already a member of this account.`);

  const now = clock.now();
  const expiresAt = new Date(now.getTime() + deps.config.invitationTtlMs);
  const { token: code, hash: codeHash } = newToken(INVITATION_CODE_PREFIX);
  const pending = await tx.invitation.findFirst({ where: { accountId: account.id, email: data.email, status: 'PENDING' } });
  const invitation = pending
    ? await tx.invitation.update({ where: { id: pending.id }, data: { role: data.role, expiresAt, invitedById: actor.userId, codeHash } })
    : await tx.invitation.create({
        data: { accountId: account.id, email: data.email, role: data.role, invitedById: actor.userId, createdAt: now, expiresAt, codeHash },
      });
  await recordAudit(deps, {
    accountId: account.id,
    actorUserId: actor.userId,
    action: AUDIT.memberInvited,
    subject: { type: 'Invitation', id: invitation.id },
    data: { email: data.email, role: data.role },
  });
  return { ...invitation, code };
}

export async function revokeInvitation(deps: Deps, invitationId: string): Promise<Invitation> {
  const { tx, clock, actor } = deps;
  const invitation = await tx.invitation.findUnique({ where: { id: invitationId } });
  // Tenancy by account: outside it the id is missing; inside it a role without the right is FORBIDDEN (R-MEMBER-2).
  if (!invitation || !can(actor.ability, 'read', 'Account', { id: invitation.accountId })) throw new NotFoundError('invitationId');
  assertCan(actor.ability, 'revoke', 'Invitation', invitation);
  const changed = await tx.invitation.updateMany({
    where: { id: invitation.id, status: 'PENDING' },
    data: { status: 'REVOKED', decidedAt: clock.now() },
  });
  if (changed.count === 0) throw new ConflictError('INVITATION_NOT_PENDING', `This invitation is already ${invitation.status.toLowerCase()}.`);
  await recordAudit(deps, {
    accountId: invitation.accountId,
    actorUserId: actor.userId,
    action: AUDIT.invitationRevoked,
    subject: { type: 'Invitation', id: invitation.id },
    data: { email: invitation.email },
  });
  return { ...invitation, status: 'REVOKED' };
}

/**
 * The invited user joins (R-MEMBER-1). The ability refuses a full account;
 * the conditional counter update (backed by CHECK memberCount <= 100) makes
 * concurrent accepts at 99 members admit exactly one.
 */
export async function acceptInvitation(deps: Deps, input: { invitationId: string; code: string }): Promise<Member> {
  const { tx, clock, actor } = deps;
  const invitation = await tx.invitation.findUnique({ where: { id: input.invitationId }, include: { account: true } });
  // Someone else's invitation is not yours to see, and a wrong code does not
  // confirm that an invitation exists: the same error as a missing one.
  if (!invitation || invitation.email !== actor.email || !codeMatches(input.code, invitation.codeHash)) throw new NotFoundError('invitationId');
  if (invitation.status !== 'PENDING') {
    throw new ConflictError('INVITATION_NOT_PENDING', `This invitation is already ${invitation.status.toLowerCase()}.`);
  }
  if (invitation.expiresAt <= clock.now()) {
    throw new ConflictError('INVITATION_EXPIRED', `This invitation expired at ${invitation.expiresAt.toISOString()}; ask for a new one.`);
  }
  const { account } = invitation;
  const already = await tx.member.findUnique({ where: { accountId_userId: { accountId: account.id, userId: actor.userId } } });
  if (already) throw new ConflictError('ALREADY_MEMBER', 'You are already a member of this account.');
  if (!can(actor.ability, 'join', 'Account', account)) throw memberLimit(account);

  const claimed = await tx.invitation.updateMany({
    where: { id: invitation.id, status: 'PENDING' },
    data: { status: 'ACCEPTED', decidedAt: clock.now() },
  });
  if (claimed.count === 0) throw new ConflictError('INVITATION_NOT_PENDING', 'This invitation was accepted or revoked meanwhile.');
  await adjustCounters(tx, account, { members: +1, admins: invitation.role === 'ADMIN' ? +1 : 0 });

  const member = await tx.member.create({
    data: { accountId: account.id, userId: actor.userId, role: invitation.role, createdAt: clock.now() },
  });
  await recordAudit(deps, {
    accountId: account.id,
    actorUserId: actor.userId,
    action: AUDIT.memberJoined,
    subject: { type: 'Member', id: member.id },
    data: { invitationId: invitation.id, role: invitation.role },
  });
  await recordEvent(deps, { accountId: account.id, type: 'member.joined', payload: { memberId: member.id, userId: member.userId, role: member.role } });
  return member;
}

function codeMatches(code: string, codeHash: string | null): boolean {
  if (!codeHash) return false;
  const given = Buffer.from(hashToken(code), 'hex');
  const stored = Buffer.from(codeHash, 'hex');
  return given.length === stored.length && timingSafeEqual(given, stored);
}

const ChangeRoleInput = z.object({ memberId: z.string(), role: z.enum(Roles) });

/** ADMIN changes a role; demoting the last ADMIN is refused (R-MEMBER-3). */
export async function changeMemberRole(deps: Deps, input: z.input<typeof ChangeRoleInput>): Promise<Member> {
  const data = parseInput(ChangeRoleInput, input);
  const { tx, actor } = deps;
  const member = await loadMember(deps, data.memberId);
  assertCan(actor.ability, 'changeRole', 'Member', member);
  if (member.role === data.role) return member;
  const admins = (data.role === 'ADMIN' ? 1 : 0) - (member.role === 'ADMIN' ? 1 : 0);
  await adjustCounters(tx, { id: member.accountId, name: '' }, { members: 0, admins });
  const updated = await tx.member.update({ where: { id: member.id }, data: { role: data.role } });
  await recordAudit(deps, {
    accountId: member.accountId,
    actorUserId: actor.userId,
    action: AUDIT.memberRoleChanged,
    subject: { type: 'Member', id: member.id },
    data: { userId: member.userId, from: member.role, to: data.role },
  });
  // Open subscriptions of this member re-check their ability at once (e.g. statistics after a demotion).
  await recordEvent(deps, {
    accountId: member.accountId,
    type: 'member.role_changed',
    payload: { memberId: member.id, userId: member.userId, role: data.role, from: member.role },
  });
  return updated;
}

/** ADMIN removes a member; the last ADMIN cannot be removed (R-MEMBER-3). */
export async function removeMember(deps: Deps, memberId: string): Promise<Member> {
  const member = await loadMember(deps, memberId);
  assertCan(deps.actor.ability, 'remove', 'Member', member);
  return deleteMember(deps, member, AUDIT.memberRemoved);
}

/** Any member leaves; the last ADMIN cannot (R-MEMBER-3). */
export async function leaveAccount(deps: Deps, accountId: string): Promise<Member> {
  const { tx, actor } = deps;
  const account = await loadAccount(deps, accountId);
  const member = await tx.member.findUnique({ where: { accountId_userId: { accountId: account.id, userId: actor.userId } } });
  if (!member) throw new NotFoundError('accountId');
  assertCan(actor.ability, 'leave', 'Member', member);
  return deleteMember(deps, member, AUDIT.memberLeft);
}

async function deleteMember(deps: Deps, member: Member, action: typeof AUDIT.memberRemoved | typeof AUDIT.memberLeft): Promise<Member> {
  const { tx, actor } = deps;
  await adjustCounters(tx, { id: member.accountId, name: '' }, { members: -1, admins: member.role === 'ADMIN' ? -1 : 0 });
  await tx.member.delete({ where: { id: member.id } });
  await recordAudit(deps, {
    accountId: member.accountId,
    actorUserId: actor.userId,
    action,
    subject: { type: 'Member', id: member.id },
    data: { userId: member.userId, role: member.role },
  });
  // The member's open subscriptions to this account end at once.
  await recordEvent(deps, {
    accountId: member.accountId,
    type: action === AUDIT.memberRemoved ? 'member.removed' : 'member.left',
    payload: { memberId: member.id, userId: member.userId, role: member.role },
  });
  return member;
}

async function loadMember(deps: Deps, memberId: string): Promise<Member> {
  const member = await deps.tx.member.findUnique({ where: { id: memberId } });
  if (!member || !can(deps.actor.ability, 'read', 'Member', member)) throw new NotFoundError('memberId');
  return member;
}

/**
 * Moves the account's member/admin counters in one conditional UPDATE. The
 * row lock serialises concurrent changes, and the WHERE refuses a change
 * that would pass a limit, so a race can neither exceed 100 members nor
 * leave zero admins. The CHECK constraints are the last line behind it.
 */
async function adjustCounters(
  tx: Tx,
  account: Pick<Account, 'id' | 'name'>,
  delta: { members: number; admins: number },
): Promise<void> {
  const changed = await tx.account.updateMany({
    where: {
      id: account.id,
      ...(delta.members > 0 ? { memberCount: { lte: MAX_MEMBERS - delta.members } } : {}),
      ...(delta.admins < 0 ? { adminCount: { gte: 1 - delta.admins } } : {}),
    },
    data: { memberCount: { increment: delta.members }, adminCount: { increment: delta.admins } },
  });
  if (changed.count === 1) return;
  if (delta.admins < 0) throw new LastAdminError();
  throw memberLimit(account.name ? account : await tx.account.findUniqueOrThrow({ where: { id: account.id } }));
}

export type { Role };
