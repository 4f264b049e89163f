import { AbilityBuilder, ForbiddenError, type Ability, subject } from '@casl/ability';
import {
  accessibleBy,
  createPrismaAbility,
  type PrismaQueryOf,
  type Subjects,
  type WhereInputOf,
} from '@casl/prisma/runtime';
import type { Account, Audience, AuditEvent, Chat, ChatTag, Delivery, Friend, Invitation, Member, Message, PluginInstallation, PluginRun, Prisma, Role, TestRecipient, User } from '../generated/prisma/client.ts';
import { forbidden } from '../errors.ts';
import { MAX_MEMBERS } from '../limits.ts';
import { STATISTICS, type StatisticSubject, statisticNames } from './statistics.ts';

/**
 * The friend side reads the same tables through types of its own (FriendSelf,
 * FriendChat, FriendMessage): subjects of their own, so a rule on one side
 * never grants anything on the other. Each is queried as the model it maps to.
 */
type FriendSideModels = { FriendSelf: 'Friend'; FriendChat: 'Chat'; FriendMessage: 'Message' };
type Models = Prisma.TypeMap['model'];
type AppTypeMap = { model: Models & { [K in keyof FriendSideModels]: Models[FriendSideModels[K]] } };

type PrismaQuery = PrismaQueryOf<AppTypeMap>;
export type SubjectMap = {
  Account: Account;
  Member: Member;
  Invitation: Invitation;
  AuditEvent: AuditEvent;
  User: User;
  Friend: Friend;
  Chat: Chat;
  Message: Message;
  ChatTag: ChatTag;
  Delivery: Delivery;
  Audience: Audience;
  PluginInstallation: PluginInstallation;
  PluginRun: PluginRun;
  TestRecipient: TestRecipient;
  FriendSelf: Friend;
  FriendChat: Chat;
  FriendMessage: Message;
};
/** Objects computed per request that carry statistics (R-STATS-1): only their account matters. */
type StatisticView = { [K in StatisticSubject]: (typeof STATISTICS)[K]['subject'] extends 'view' ? K : never }[StatisticSubject];
type StatisticViewMap = { [K in StatisticView]: { accountId: string } };
// A `row` statistics subject must be a table the ability already rules over (a type error otherwise).
type RowStatistics<T extends keyof SubjectMap> = T;
export type StatisticRow = RowStatistics<Exclude<StatisticSubject, StatisticView>>;
const STATISTIC_VIEWS = (Object.keys(STATISTICS) as StatisticSubject[]).filter((k): k is StatisticView => STATISTICS[k].subject === 'view');
type AppSubjects = Subjects<SubjectMap & StatisticViewMap>;
/** Tables the ability rules over. */
export type SubjectName = keyof SubjectMap;

export type Action =
  | 'read'
  | 'create'
  | 'update'
  /** Invite someone into an account (Account subject). */
  | 'invite'
  /** Become a member of an account (Account subject; R-MEMBER-1). */
  | 'join'
  | 'accept'
  | 'revoke'
  | 'changeRole'
  | 'remove'
  | 'leave'
  /** Write into a chat, or send a delivery (R-MEMBER-2 send permission). */
  | 'send'
  /** Take back a sent chat message (R-RECALL-1: send permission only). */
  | 'recall'
  /** Hide a message from the account's view (R-DELETE-1). */
  | 'hide'
  /** Ask for messages hidden from the account's view (R-DELETE-1: `messages(includeHidden: true)`). */
  | 'readHidden'
  /** Friend side: report a message the account sent (R-RECALL-4). */
  | 'report'
  | 'delete'
  /** Put or take a chat tag on a friend. */
  | 'tag'
  /** Submit a draft for approval (R-APPROVAL-1). */
  | 'submit'
  /** Approve or reject a submitted delivery (R-APPROVAL-1: send permission only). */
  | 'approve'
  | 'cancel';

export type AppAbility = Ability<[Action, AppSubjects | 'all'], PrismaQuery>;

export type Membership = { accountId: string; role: Role };
export type AbilityActor = { userId: string; email: string; memberships: readonly Membership[] };

/**
 * Every "who may" of Dengon, in one place (R-MEMBER-2). Services check it on
 * the subject they load inside their transaction; lists filter by it in SQL.
 */
export function defineAbilityFor(actor: AbilityActor | null): AppAbility {
  const { can, cannot, build } = new AbilityBuilder<AppAbility>(createPrismaAbility);
  if (actor) {
    can('create', 'Account');
    can('read', 'User', { id: actor.userId });
    can(['read', 'accept'], 'Invitation', { email: actor.email, status: 'PENDING' });
    can('join', 'Account');
    for (const { accountId, role } of actor.memberships) {
      can('read', 'Account', { id: accountId });
      can('read', 'Member', { accountId });
      can('leave', 'Member', { accountId, userId: actor.userId });
      can('read', ['Friend', 'Chat', 'ChatTag'], { accountId });
      // R-DELETE-1: a hidden message has left the account's view; only ADMINs may still look at it.
      can('read', 'Message', role === 'ADMIN' ? { accountId } : { accountId, hiddenForAccountAt: null });
      can('update', 'Chat', { accountId }); // mark read
      can('create', 'ChatTag', { accountId });
      can('tag', 'Friend', { accountId });
      // R-APPROVAL-1: everyone drafts; without send permission, only their own drafts.
      can(['read', 'create'], ['Delivery', 'Audience'], { accountId });
      can(['update', 'submit', 'cancel'], 'Delivery', { accountId, authorUserId: actor.userId });
      // R-SAFE-2: every member links and tests on their own phones, and only their own.
      can(['read', 'create', 'delete'], 'TestRecipient', { accountId, userId: actor.userId });
      // R-STATS-1: statistics are fields (src/auth/statistics.ts); without statistics, none of them is readable.
      can('read', STATISTIC_VIEWS, { accountId });
      if (role === 'OPERATOR_NO_SEND_NO_STATS') {
        for (const name of Object.keys(STATISTICS) as StatisticSubject[]) cannot('read', name, [...statisticNames(name)], { accountId });
      }
      if (role === 'ADMIN' || role === 'OPERATOR') {
        can('send', 'Chat', { accountId });
        can(['recall', 'hide'], 'Message', { accountId });
        can(['update', 'delete'], 'ChatTag', { accountId });
        can(['update', 'submit', 'cancel', 'approve', 'send'], 'Delivery', { accountId });
      }
      if (role === 'ADMIN') {
        can(['update', 'invite'], 'Account', { id: accountId });
        can(['read', 'revoke'], 'Invitation', { accountId });
        can(['changeRole', 'remove'], 'Member', { accountId });
        can('read', 'AuditEvent', { accountId });
        can('readHidden', 'Message', { accountId });
        // Plugins change who must approve what, and hold secrets: admins only.
        can(['read', 'create', 'update', 'delete'], 'PluginInstallation', { accountId });
        // What plugins did after commit, and why they failed: as sensitive as their config.
        can('read', 'PluginRun', { accountId });
      }
    }
  }
  // R-MEMBER-1: a full account takes no one, whoever asks; the database
  // counter (CHECK memberCount <= 100) closes the race this check cannot see.
  cannot(['invite', 'join'], 'Account', { memberCount: { gte: MAX_MEMBERS } });
  return build();
}

/**
 * What a friend token may do: read itself, its own chat and that chat's
 * messages through the friend-side subjects, and report what the account sent
 * it. Nothing on any member-side subject (Friend, Chat, Message, User, …):
 * those carry the account's internals (attributes, tags, who typed, what was
 * hidden; R-INBOX-2). Messages hidden by the account stay visible to the
 * friend (R-DELETE-1).
 */
export function defineFriendAbility(friend: { friendId: string; chatId: string | null }): AppAbility {
  const { can, build } = new AbilityBuilder<AppAbility>(createPrismaAbility);
  can('read', 'FriendSelf', { id: friend.friendId });
  if (friend.chatId) {
    can('read', 'FriendChat', { id: friend.chatId });
    can('read', 'FriendMessage', { chatId: friend.chatId });
    can('report', 'FriendMessage', { chatId: friend.chatId, direction: 'OUTGOING' });
  }
  return build();
}

type SubjectRow<N extends SubjectName> = SubjectMap[N];

export function can<N extends SubjectName>(ability: AppAbility, action: Action, name: N, row: Partial<SubjectRow<N>>): boolean {
  return ability.can(action, subject(name, row as never) as never);
}

/** Throws FORBIDDEN unless the ability allows `action` on this row. */
export function assertCan<N extends SubjectName>(ability: AppAbility, action: Action, name: N, row: Partial<SubjectRow<N>>): void {
  try {
    ForbiddenError.from(ability).throwUnlessCan(action, subject(name, row as never) as never);
  } catch (error) {
    if (error instanceof ForbiddenError) throw forbidden(`Your role does not allow "${action}" on ${name}.`);
    throw error;
  }
}

/**
 * R-STATS-1: whether the ability may read statistic `name` (a field or JSON
 * key of STATISTICS) of `subjectName` on `row`. A row without its accountId
 * shows no statistics to anyone (fail closed).
 */
export function canReadStatistic(ability: AppAbility, subjectName: string, row: { accountId?: unknown }, name: string): boolean {
  if (typeof row.accountId !== 'string') return false;
  // A copy: CASL marks the object with its subject type, and rows are shared between fields and subscribers.
  return ability.can('read', subject(subjectName, { ...row }) as never, name);
}

/**
 * R-STATS-1: `data` (JSON leaving the server) without the statistics of
 * `subjectName` that the ability may not read: every top-level key named in
 * STATISTICS for that subject. Anything else, and non-objects, pass as they are.
 */
export function redactStatistics<T>(ability: AppAbility, subjectName: string | null | undefined, row: { accountId?: unknown }, data: T): T {
  if (!subjectName || !data || typeof data !== 'object' || Array.isArray(data)) return data;
  let redacted: Record<string, unknown> | null = null;
  for (const name of statisticNames(subjectName)) {
    if (!(name in data) || canReadStatistic(ability, subjectName, row, name)) continue;
    redacted ??= { ...(data as Record<string, unknown>) };
    delete redacted[name];
  }
  return (redacted ?? data) as T;
}

/**
 * The Prisma `where` of rows the ability allows. With no rule at all it
 * matches nothing (CASL's own empty marker would make Prisma throw).
 */
export function accessibleWhere<N extends SubjectName>(ability: AppAbility, action: Action, name: N): WhereInputOf<AppTypeMap, N> {
  if (!ability.can(action, name)) return { id: { in: [] } } as WhereInputOf<AppTypeMap, N>;
  return accessibleBy(ability, action).ofType(name) as WhereInputOf<AppTypeMap, N>;
}

/**
 * Whether a role, as such, allows an action in an account (e.g. "could the
 * author of this draft have sent it?"): asked of the same rules, never of
 * a list of role names kept elsewhere.
 */
export function roleMay<N extends SubjectName>(role: Role, action: Action, name: N, row: Partial<SubjectRow<N>> & { accountId: string }): boolean {
  const ability = defineAbilityFor({ userId: '', email: '', memberships: [{ accountId: row.accountId, role }] });
  return can(ability, action, name, row);
}
