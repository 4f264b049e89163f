import { builder } from '../../graphql/builder.ts';
import { ConflictError, LimitReachedError, NotFoundError, ValidationError } from '../../errors.ts';
import { MAX_TEST_RECIPIENTS, TEST_RECIPIENT_CODE_TTL_MS } from '../../limits.ts';
import { decodeId } from '../../graphql/global-id.ts';
import { asFriend, asMember } from '../../graphql/run.ts';
import { FriendType } from '../friends/friend.schema.ts';
import {
  claimTestRecipientCode,
  createTestRecipientCode,
  listTestRecipients,
  removeTestRecipient,
  type TestRecipientCode,
} from './test-recipient.service.ts';

const CodeType = builder.objectRef<TestRecipientCode>('TestRecipientCode').implement({
  description: 'A one-time code: open the chat widget on your own phone (as a friend of the account) and claim it there.',
  fields: (t) => ({
    code: t.exposeString('code', { description: 'Shown once; case, spaces and dashes do not matter when claimed.' }),
    expiresAt: t.expose('expiresAt', { type: 'DateTime' }),
  }),
});

const LinkType = builder.objectRef<{ linkedAt: Date }>('TestRecipientLink').implement({
  description: "This friend account now receives the linking member's test sends.",
  fields: (t) => ({ linkedAt: t.expose('linkedAt', { type: 'DateTime' }) }),
});

const accountIdOf = (id: string | number) => decodeId('accountId', String(id), 'Account');

builder.prismaObjectField('User', 'testRecipients', (t) =>
  t.field({
    type: [FriendType],
    description: 'Your own test recipients in an account (R-SAFE-2), oldest link first; empty for an account you are not in.',
    args: { accountId: t.arg.id({ required: true }) },
    resolve: (_user, args, ctx) => asMember(ctx, (deps) => listTestRecipients(deps, accountIdOf(args.accountId))),
  }),
);

builder.mutationFields((t) => ({
  createTestRecipientCode: t.field({
    type: CodeType,
    description: `Any member: a one-time code (valid ${TEST_RECIPIENT_CODE_TTL_MS / 60_000} minutes) that links the friend account claiming it (your own phone, friendClaimTestRecipientCode) as one of your test recipients (R-SAFE-2). At most ${MAX_TEST_RECIPIENTS} per member.`,
    errors: { types: [ValidationError, NotFoundError] },
    args: { accountId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) => asMember(ctx, (deps) => createTestRecipientCode(deps, accountIdOf(args.accountId))),
  }),
  removeTestRecipient: t.field({
    type: [FriendType],
    description: 'Unlink one of your own test recipients; returns those left.',
    errors: { types: [ValidationError, NotFoundError] },
    args: { accountId: t.arg.id({ required: true }), friendId: t.arg.id({ required: true }) },
    resolve: (_root, args, ctx) =>
      asMember(ctx, (deps) =>
        removeTestRecipient(deps, { accountId: accountIdOf(args.accountId), friendId: decodeId('friendId', String(args.friendId), 'Friend') }),
      ),
  }),
  friendClaimTestRecipientCode: t.field({
    type: LinkType,
    description: "Friend side: claim a member's one-time code on your own phone; this friend account then receives that member's test sends (R-SAFE-2).",
    errors: { types: [ValidationError, ConflictError, LimitReachedError] },
    args: { code: t.arg.string({ required: true }) },
    resolve: (_root, args, ctx) => asFriend(ctx, (deps) => claimTestRecipientCode(deps, { code: args.code })),
  }),
}));
