import { builder } from '../../graphql/builder.ts';
import { accessibleWhere } from '../../auth/ability.ts';
import { AudienceTooSmallError, NotFoundError, ValidationError } from '../../errors.ts';
import { AudienceKind } from '../../generated/prisma/enums.ts';
import { ErrorInterface } from '../../graphql/error-types.ts';
import { decodeId } from '../../graphql/global-id.ts';
import { asMember } from '../../graphql/run.ts';
import { audienceSize, createAudience } from './audience.service.ts';

const AudienceKindEnum = builder.enumType(AudienceKind, { name: 'AudienceKind' });

const AudienceType = builder.prismaNode('Audience', {
  id: { field: 'id' },
  nullable: true,
  findUnique: (id, ctx) => ({ id, AND: [accessibleWhere(ctx.ability, 'read', 'Audience')] }),
  description: 'A delivery target: friends with chat tags, friends matching attributes, or a list (R-TAG-1..3).',
  fields: (t) => ({
    name: t.exposeString('name'),
    kind: t.expose('kind', { type: AudienceKindEnum }),
    spec: t.expose('spec', { type: 'JSON' }),
    createdAt: t.expose('createdAt', { type: 'DateTime' }),
    size: t.int({
      nullable: true,
      description: 'Following friends it reaches now, counted in SQL.',
      resolve: (audience, _args, ctx) => audienceSize(ctx.deps.db.prisma, audience.accountId, audience),
    }),
  }),
});

builder.prismaObjectField('Account', 'audiences', (t) =>
  t.prismaConnection({
    type: 'Audience',
    cursor: 'id',
    description: 'Newest first.',
    resolve: (query, account, _args, ctx) =>
      ctx.deps.db.prisma.audience.findMany({
        ...query,
        where: { accountId: account.id, AND: [accessibleWhere(ctx.ability, 'read', 'Audience')] },
        orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
      }),
  }),
);

builder.objectType(AudienceTooSmallError, {
  name: 'AudienceTooSmallError',
  description: 'AUDIENCE_TOO_SMALL (R-TAG-2): attribute narrowcasts need a minimum number of targets.',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    minimum: t.exposeInt('minimum'),
    count: t.exposeInt('count', { nullable: true, description: 'Friends the audience has now.' }),
  }),
});

const AudienceSpecInput = builder.inputType('AudienceSpecInput', {
  isOneOf: true,
  description: 'Exactly one way of choosing friends.',
  fields: (t) => ({
    chatTags: t.field({
      type: builder.inputType('ChatTagAudienceInput', {
        fields: (f) => ({
          tagIds: f.idList({ required: true }),
          match: f.field({ type: builder.enumType('TagMatch', { values: ['ANY', 'ALL'] as const }), defaultValue: 'ANY' }),
        }),
      }),
      description: 'Friends carrying any (or all) of these chat tags. No minimum size (R-TAG-2).',
    }),
    attributes: t.field({ type: 'JSON', description: 'Friends whose attributes include these key/value pairs, e.g. {"plan": "gold"}.' }),
    friendIds: t.idList({ description: 'These friends.' }),
  }),
});

builder.mutationField('createAudience', (t) =>
  t.field({
    type: AudienceType,
    description: 'Any member: define a delivery audience.',
    errors: { types: [ValidationError, NotFoundError] },
    args: {
      accountId: t.arg.id({ required: true }),
      name: t.arg.string({ required: true }),
      spec: t.arg({ type: AudienceSpecInput, required: true }),
    },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) => {
        const { chatTags, attributes, friendIds } = args.spec;
        const spec = chatTags
          ? { kind: 'CHAT_TAG', match: chatTags.match ?? 'ANY', tagIds: chatTags.tagIds.map((id, i) => decodeId(`spec.tagIds.${i}`, String(id), 'ChatTag')) }
          : friendIds
            ? { kind: 'FRIEND_LIST', friendIds: friendIds.map((id, i) => decodeId(`spec.friendIds.${i}`, String(id), 'Friend')) }
            : { kind: 'ATTRIBUTE', equals: attributes };
        return createAudience(deps, { accountId: decodeId('accountId', String(args.accountId), 'Account'), name: args.name, spec });
      }),
  }),
);
