import { z } from 'zod';
import { Prisma } from '../../generated/prisma/client.ts';
import type { Audience } from '../../generated/prisma/client.ts';
import type { Tx } from '../../db/client.ts';
import { assertCan, can } from '../../auth/ability.ts';
import { NotFoundError } from '../../errors.ts';
import { MAX_NAME_LENGTH } from '../../limits.ts';
import type { Deps } from '../accounts/account.service.ts';
import { boundedText, parseInput } from '../validate.ts';

/** Friend lists are for hand-picked recipients, not bulk uploads. */
export const MAX_FRIEND_LIST = 10_000;
const MAX_TAGS_IN_AUDIENCE = 20;
const MAX_ATTRIBUTE_KEYS = 10;

const scalar = z.union([z.string().max(200), z.number(), z.boolean()]);
export const AudienceSpec = z.discriminatedUnion('kind', [
  z.object({
    kind: z.literal('CHAT_TAG'),
    tagIds: z.array(z.string()).min(1, 'must name at least one tag').max(MAX_TAGS_IN_AUDIENCE, `must have at most ${MAX_TAGS_IN_AUDIENCE} tags`),
    match: z.enum(['ANY', 'ALL']).default('ANY'),
  }),
  z.object({
    kind: z.literal('ATTRIBUTE'),
    equals: z
      .record(z.string().min(1).max(50), scalar)
      .refine((o) => Object.keys(o).length >= 1, 'must have at least one attribute')
      .refine((o) => Object.keys(o).length <= MAX_ATTRIBUTE_KEYS, `must have at most ${MAX_ATTRIBUTE_KEYS} attributes`),
  }),
  z.object({
    kind: z.literal('FRIEND_LIST'),
    friendIds: z.array(z.string()).min(1, 'must name at least one friend').max(MAX_FRIEND_LIST, `must have at most ${MAX_FRIEND_LIST} friends`),
  }),
]);
export type AudienceSpec = z.output<typeof AudienceSpec>;

const CreateInput = z.object({ accountId: z.string(), name: boundedText(MAX_NAME_LENGTH), spec: AudienceSpec });

/** Any member may define an audience; tags and friends must be the account's own. */
export async function createAudience(deps: Deps, input: { accountId: string; name: string; spec: unknown }): Promise<Audience> {
  const data = parseInput(CreateInput, input);
  const { tx, clock, actor } = deps;
  const account = await tx.account.findUnique({ where: { id: data.accountId } });
  if (!account || !can(actor.ability, 'read', 'Account', account)) throw new NotFoundError('accountId');
  assertCan(actor.ability, 'create', 'Audience', { accountId: account.id });
  const spec = data.spec;
  if (spec.kind === 'CHAT_TAG') {
    const found = await tx.chatTag.count({ where: { accountId: account.id, id: { in: spec.tagIds } } });
    if (found !== new Set(spec.tagIds).size) throw new NotFoundError('spec.tagIds');
  }
  if (spec.kind === 'FRIEND_LIST') {
    const found = await tx.friend.count({ where: { accountId: account.id, id: { in: spec.friendIds } } });
    if (found !== new Set(spec.friendIds).size) throw new NotFoundError('spec.friendIds');
  }
  const { kind, ...rest } = spec;
  return tx.audience.create({ data: { accountId: account.id, name: data.name, kind, spec: rest, createdAt: clock.now() } });
}

/**
 * The SQL condition on `"Friend" f` that selects an audience; with no
 * audience, every friend. Used for sizes and for the fan-out alike, so the
 * count shown is the count sent.
 */
export function audienceCondition(audience: Pick<Audience, 'kind' | 'spec'> | null): Prisma.Sql {
  if (!audience) return Prisma.sql`TRUE`;
  const spec = AudienceSpec.parse({ kind: audience.kind, ...(audience.spec as object) });
  switch (spec.kind) {
    case 'CHAT_TAG': {
      const matching = Prisma.sql`(SELECT count(*) FROM "FriendTag" ft WHERE ft."friendId" = f.id AND ft."tagId" = ANY(${spec.tagIds}::uuid[]))`;
      return spec.match === 'ALL' ? Prisma.sql`${matching} = ${new Set(spec.tagIds).size}` : Prisma.sql`${matching} > 0`;
    }
    case 'ATTRIBUTE':
      return Prisma.sql`f.attributes @> ${JSON.stringify(spec.equals)}::jsonb`;
    case 'FRIEND_LIST':
      return Prisma.sql`f.id = ANY(${spec.friendIds}::uuid[])`;
  }
}

/** How many following friends an audience reaches right now, counted in SQL. */
export async function audienceSize(tx: Tx, accountId: string, audience: Pick<Audience, 'kind' | 'spec'> | null): Promise<number> {
  const [row] = await tx.$queryRaw<{ n: number }[]>`
    SELECT count(*)::int AS n FROM "Friend" f
    WHERE f."accountId" = ${accountId}::uuid AND f.status = 'FOLLOWING' AND ${audienceCondition(audience)}`;
  return row?.n ?? 0;
}
