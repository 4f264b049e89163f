import type { Context } from '../context.ts';
import type { Tx } from '../db/client.ts';
import { defineAbilityFor } from '../auth/ability.ts';
import { unauthenticated } from '../errors.ts';
import { takeWroteEvents } from '../events/outbox.ts';
import type { Deps, FriendDeps, FriendViewer, TxDeps, Viewer } from '../deps.ts';

export function requireViewer(ctx: Context): Viewer {
  if (ctx.friend) throw unauthenticated('This operation needs a member token; a friend token reaches only friend operations.');
  if (!ctx.viewer) throw unauthenticated();
  return ctx.viewer;
}

export function requireFriend(ctx: Context): FriendViewer {
  if (ctx.viewer) throw unauthenticated('This operation needs a friend token (from friendFollow); member tokens cannot act as a friend.');
  if (!ctx.friend) throw unauthenticated('Send the friend token from friendFollow: Authorization: Bearer dgnf_…');
  return ctx.friend;
}

/** Runs a friend's mutation in one transaction, as that friend. */
export function asFriend<T>(ctx: Context, fn: (deps: FriendDeps) => Promise<T>): Promise<T> {
  const friend = requireFriend(ctx);
  return transaction(ctx, (tx) => fn({ tx, clock: ctx.deps.clock, config: ctx.deps.config, friend, ability: ctx.ability }));
}

/** Runs a mutation that needs no token (signUp, signIn) in one transaction. */
export function asAnyone<T>(ctx: Context, fn: (deps: TxDeps) => Promise<T>): Promise<T> {
  return transaction(ctx, (tx) => fn({ tx, clock: ctx.deps.clock, config: ctx.deps.config }));
}

/**
 * One mutation, one transaction: anything thrown rolls everything back,
 * including the outbox events it recorded. Events go out only after commit.
 */
export async function transaction<T>(ctx: Context, fn: (tx: Tx) => Promise<T>): Promise<T> {
  let wroteEvents = false;
  const result = await ctx.deps.db.prisma.$transaction(async (tx) => {
    const value = await fn(tx);
    wroteEvents = takeWroteEvents(tx);
    return value;
  });
  if (wroteEvents) ctx.deps.events.publisher.nudge();
  return result;
}

/** Runs a member's mutation in one transaction, as the signed-in member. */
export async function asMember<T>(
  ctx: Context,
  fn: (deps: Deps) => Promise<T>,
  options: { membershipsChange?: boolean } = {},
): Promise<T> {
  const viewer = requireViewer(ctx);
  // The ability is the one built when the token was checked at the start of
  // this request (one statement earlier); services check it on rows they load
  // inside the transaction.
  const actor = { userId: viewer.userId, email: viewer.email, ability: ctx.ability };
  const result = await transaction(ctx, (tx) => fn({ tx, clock: ctx.deps.clock, config: ctx.deps.config, actor, plugins: ctx.deps.plugins, jobs: ctx.deps.jobs }));
  if (options.membershipsChange) {
    // The result resolves after commit with the ability as it is now (an
    // account just created or joined, a role just changed), not at request start.
    ctx.viewer = { ...viewer, memberships: await membershipsOf(ctx.deps.db.prisma, viewer.userId) };
    ctx.ability = defineAbilityFor(ctx.viewer);
  }
  return result;
}

/** After signUp / signIn, the rest of the request resolves as the user who just signed in. */
export async function actAs(ctx: Context, session: { user: { id: string; email: string }; tokenId: string }): Promise<void> {
  ctx.friend = null;
  ctx.viewer = {
    userId: session.user.id,
    email: session.user.email,
    tokenId: session.tokenId,
    memberships: await membershipsOf(ctx.deps.db.prisma, session.user.id),
  };
  ctx.ability = defineAbilityFor(ctx.viewer);
}

function membershipsOf(tx: Tx, userId: string) {
  return tx.member.findMany({ where: { userId }, select: { accountId: true, role: true } });
}
