import { GraphQLError } from 'graphql';

/**
 * The registry of every error code Dengon returns. Clients switch on `code`
 * (stable) or `__typename`; `rule` names the DOMAIN.md rule that refused.
 */
export const ERROR_CODES = {
  INVALID_INPUT: { rule: null, description: 'An argument is malformed or out of range.' },
  NOT_FOUND: { rule: null, description: 'No such object, or not visible to you.' },
  INVALID_CREDENTIALS: { rule: null, description: 'Email or password is wrong.' },
  EMAIL_TAKEN: { rule: null, description: 'A user with this email already exists.' },
  ALREADY_MEMBER: { rule: null, description: 'The user is already a member of the account.' },
  INVITATION_NOT_PENDING: { rule: null, description: 'The invitation was already accepted or revoked.' },
  INVITATION_EXPIRED: { rule: null, description: 'The invitation is past its expiry.' },
  MEMBER_LIMIT_REACHED: { rule: 'R-MEMBER-1', description: 'The account already has the maximum number of members.' },
  LAST_ADMIN: { rule: 'R-MEMBER-3', description: 'The account must keep at least one ADMIN.' },
  CHAT_NOT_OPEN: { rule: 'R-CHAT-1', description: 'The friend has not written yet; members can write only after that.' },
  FRIEND_NOT_REACHABLE: { rule: null, description: 'The friend blocked or unfollowed the account: nothing can be delivered.' },
  IDEMPOTENCY_KEY_REUSED: { rule: 'R-SAFE-1', description: 'The idempotency key was used before for a different request.' },
  RECALL_WINDOW_EXPIRED: { rule: 'R-RECALL-1', description: 'The recall window after sending has passed.' },
  NOT_RECALLABLE: { rule: 'R-RECALL-2', description: 'Only messages a member typed into a chat can be recalled.' },
  ALREADY_RECALLED: { rule: 'R-RECALL-5', description: 'The message was already recalled.' },
  ALREADY_REPORTED: { rule: null, description: 'You already reported this message.' },
  TAG_LIMIT_REACHED: { rule: 'R-TAG-1', description: 'Too many chat tags on the friend or in the account.' },
  TAG_NAME_TAKEN: { rule: 'R-TAG-1', description: 'A chat tag with this name (ignoring case) exists.' },
  TEST_RECIPIENT_LIMIT_REACHED: { rule: 'R-SAFE-2', description: 'Too many test recipients for this member.' },
  NO_TEST_RECIPIENTS: { rule: 'R-SAFE-2', description: 'Link a test recipient (your own friend account, with a one-time code) before a test send.' },
  TEST_RECIPIENT_CODE_INVALID: { rule: 'R-SAFE-2', description: 'The test recipient code is unknown, expired, already used, or from another account.' },
  TEST_SEND_RATE_LIMITED: { rule: 'R-SAFE-2', description: 'Too many test sends by this member in the last hour.' },
  AUDIENCE_TOO_SMALL: { rule: 'R-TAG-2', description: 'An attribute audience is below the minimum number of targets.' },
  QUOTA_EXCEEDED: { rule: 'R-QUOTA-1', description: 'The send would exceed the monthly message quota.' },
  APPROVAL_REQUIRED: { rule: 'R-APPROVAL-1', description: 'A draft by a member without send permission needs an approval first.' },
  INVALID_TRANSITION: { rule: 'R-APPROVAL-2', description: 'The delivery is not in a state that allows this step.' },
  SEND_PERMISSION_LOST: { rule: 'R-APPROVAL-1', description: 'The member who scheduled the delivery no longer has send permission; it was not sent.' },
  APPROVER_NOT_ELIGIBLE: { rule: 'R-APPROVAL-1', description: 'Your approval would not count toward what this delivery needs (author, role).' },
  ALREADY_APPROVED: { rule: 'R-APPROVAL-1', description: 'You already approved this revision; the next approval must come from someone else.' },
  PLUGIN_REJECTED: { rule: null, description: "An enabled plugin's policy or veto hook refused the step; names the plugin and its reason." },
  PLUGIN_FAILED: { rule: null, description: 'An enabled plugin threw or ran past its time limit; the step was refused (fail closed).' },
  PLUGIN_REQUIREMENT_MISSING: { rule: null, description: 'The plugin requires another plugin that is not installed and enabled on the account (or is still required by one).' },
  PLUGIN_ALREADY_INSTALLED: { rule: null, description: 'The plugin is already installed on the account: configure it instead.' },
  // GraphQL errors (not payload results): authentication and permission.
  UNAUTHENTICATED: { rule: null, description: 'No valid bearer token.' },
  FORBIDDEN: { rule: null, description: 'Your role does not allow this.' },
  // Live subscriptions (GraphQL errors on the operation, or WebSocket close codes).
  SUBSCRIPTION_LIMIT_REACHED: { rule: null, description: 'Too many subscriptions on one connection.' },
  CONNECTION_LIMIT_REACHED: { rule: null, description: 'Too many open connections for one token.' },
  SLOW_CONSUMER: { rule: null, description: 'The client did not read events fast enough; the subscription was dropped.' },
  // Request limits (GraphQL errors, HTTP 413 or 400): see src/graphql/request-limits.ts.
  DOCUMENT_TOO_LARGE: { rule: null, description: 'The request body or GraphQL document is over the size limit; nothing was parsed.' },
  QUERY_TOO_DEEP: { rule: null, description: 'The query nests deeper than the depth limit.' },
  TOO_MANY_ALIASES: { rule: null, description: 'The query uses more aliases than the limit.' },
  TOO_MANY_TOKENS: { rule: null, description: 'The document has more tokens than the limit.' },
  TOO_MANY_DIRECTIVES: { rule: null, description: 'The query uses more directives than the limit.' },
  QUERY_TOO_COSTLY: { rule: null, description: 'The query would cost more than the cost limit: ask for less, or page.' },
} as const;

/**
 * WebSocket close codes (graphql-ws): 4401/4403 mirror UNAUTHENTICATED and
 * FORBIDDEN; 4429 is CONNECTION_LIMIT_REACHED.
 */
export const CLOSE_CODES = {
  /** No token, or unknown, expired or revoked (also when revoked mid-connection). */
  UNAUTHENTICATED: 4401,
  /** A valid token that may receive nothing: a friend who blocked the account. */
  FORBIDDEN: 4403,
  CONNECTION_LIMIT_REACHED: 4429,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
type RequestLimitCode = 'DOCUMENT_TOO_LARGE' | 'QUERY_TOO_DEEP' | 'TOO_MANY_ALIASES' | 'TOO_MANY_TOKENS' | 'TOO_MANY_DIRECTIVES' | 'QUERY_TOO_COSTLY';
type PayloadCode = Exclude<ErrorCode, 'UNAUTHENTICATED' | 'FORBIDDEN' | 'SUBSCRIPTION_LIMIT_REACHED' | 'CONNECTION_LIMIT_REACHED' | 'SLOW_CONSUMER' | RequestLimitCode>;

/** A rule violation or bad input: returned as a typed result in the mutation payload. */
export class AppError extends Error {
  readonly code: PayloadCode;
  readonly rule: string | null;
  constructor(code: PayloadCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.rule = ERROR_CODES[code].rule;
  }
}

/** Bad input: names the offending field and, for length/range limits, the limit. */
export class ValidationError extends AppError {
  constructor(
    readonly field: string,
    message: string,
    readonly limit: number | null = null,
  ) {
    super('INVALID_INPUT', message);
  }
}

/** Missing, or belonging to an account the viewer is not in: the two are indistinguishable. */
export class NotFoundError extends AppError {
  constructor(readonly field: string) {
    super('NOT_FOUND', `${field}: no such object`);
  }
}

/** A count-based limit (R-MEMBER-1 …): carries the limit that was hit. */
export class LimitReachedError extends AppError {
  constructor(
    code: 'MEMBER_LIMIT_REACHED' | 'TAG_LIMIT_REACHED' | 'TEST_RECIPIENT_LIMIT_REACHED' | 'TEST_SEND_RATE_LIMITED',
    readonly limit: number,
    message: string,
  ) {
    super(code, message);
  }
}

export class LastAdminError extends AppError {
  constructor() {
    super('LAST_ADMIN', 'An account must keep at least one ADMIN (R-MEMBER-3): promote another member first.');
  }
}

export class InvalidCredentialsError extends AppError {
  constructor() {
    super('INVALID_CREDENTIALS', 'Email or password is wrong.');
  }
}

/** Conflicts with existing state: email taken, already a member, invitation no longer pending. */
export class ConflictError extends AppError {
  constructor(
    code:
      | 'EMAIL_TAKEN'
      | 'ALREADY_MEMBER'
      | 'INVITATION_NOT_PENDING'
      | 'INVITATION_EXPIRED'
      | 'CHAT_NOT_OPEN'
      | 'IDEMPOTENCY_KEY_REUSED'
      | 'ALREADY_RECALLED'
      | 'ALREADY_REPORTED'
      | 'TAG_NAME_TAKEN'
      | 'APPROVAL_REQUIRED'
      | 'NO_TEST_RECIPIENTS'
      | 'TEST_RECIPIENT_CODE_INVALID'
      | 'ALREADY_APPROVED'
      | 'PLUGIN_ALREADY_INSTALLED'
      | 'PLUGIN_REQUIREMENT_MISSING',
    message: string,
  ) {
    super(code, message);
  }
}

/** R-RECALL-1 / R-RECALL-5: names when the window ended. */
export class RecallWindowExpiredError extends AppError {
  constructor(
    readonly sentAt: Date,
    readonly windowEndsAt: Date,
  ) {
    super('RECALL_WINDOW_EXPIRED', `The recall window ended at ${windowEndsAt.toISOString()}, one window after the message was sent (R-RECALL-1).`);
  }
}

/** R-RECALL-2 / R-RECALL-5: names the kind (and direction) that cannot be recalled. */
export class NotRecallableError extends AppError {
  constructor(
    readonly kind: string,
    readonly direction: string,
  ) {
    super(
      'NOT_RECALLABLE',
      direction === 'INCOMING'
        ? 'A message the friend wrote cannot be recalled by the account (R-RECALL-1).'
        : `A ${kind} message can never be recalled (R-RECALL-2); only chat messages a member typed can.`,
    );
  }
}

/** The friend blocked or unfollowed: nothing reaches them. */
export class FriendNotReachableError extends AppError {
  constructor(readonly friendStatus: string) {
    super('FRIEND_NOT_REACHABLE', `The friend is ${friendStatus.toLowerCase()}: the message cannot be delivered.`);
  }
}

/**
 * R-QUOTA-1: refused before anything is written; says what is left and what
 * was needed. Those two are statistics (R-STATS-1): they stay in their own
 * fields, read by the policy for `accountId`, never in the message.
 */
export class QuotaExceededError extends AppError {
  constructor(
    readonly accountId: string,
    readonly limit: number,
    readonly remaining: number,
    readonly needed: number,
  ) {
    super('QUOTA_EXCEEDED', `This send needs more message units than remain of this month's ${limit} (R-QUOTA-1).`);
  }
}

/**
 * R-TAG-2: attribute narrowcasts need a minimum audience; chat-tag audiences
 * do not. The count is a statistic (R-STATS-1): in its own field, never in the message.
 */
export class AudienceTooSmallError extends AppError {
  constructor(
    readonly accountId: string,
    readonly minimum: number,
    readonly count: number,
  ) {
    super('AUDIENCE_TOO_SMALL', `An attribute audience needs at least ${minimum} friends; this one has fewer (R-TAG-2).`);
  }
}

/** R-APPROVAL-2: names the state the delivery is in and the step refused. */
export class InvalidTransitionError extends AppError {
  constructor(
    readonly status: string,
    readonly attempted: string,
  ) {
    super('INVALID_TRANSITION', `A delivery in ${status} cannot be ${attempted} (R-APPROVAL-2).`);
  }
}

/** Who approved so far is not enough: says how many approvals are needed, how many count, and who asked. */
export class ApprovalRequiredError extends AppError {
  constructor(
    readonly required: number,
    readonly approvals: number,
    /** Plugin ids whose policies asked for approvals; empty when only the built-in rule did. */
    readonly requestedBy: string[],
  ) {
    super(
      'APPROVAL_REQUIRED',
      `This delivery needs ${required} approval(s) and has ${approvals}` +
        (requestedBy.length ? ` (asked by plugin ${requestedBy.map((id) => `"${id}"`).join(', ')})` : ' (R-APPROVAL-1)') +
        ': approve it first.',
    );
  }
}

/** The acting member's approval would not count: they wrote it, or their role is not one the requirement accepts. */
export class ApproverNotEligibleError extends AppError {
  constructor(readonly reason: 'AUTHOR' | 'ROLE', message: string) {
    super('APPROVER_NOT_ELIGIBLE', message);
  }
}

/** A plugin's policy (reject) or veto hook (veto) refused the step. */
export class PluginRejectedError extends AppError {
  constructor(
    readonly pluginId: string,
    /** `submit`, `approve` or `send`. */
    readonly step: string,
    readonly reason: string,
    readonly details: Record<string, unknown> | null = null,
  ) {
    super('PLUGIN_REJECTED', `Plugin "${pluginId}" refused to ${step}: ${reason}`);
  }
}

/** A plugin threw or hung during a step; the step is refused and nothing is written (fail closed). */
export class PluginFailedError extends AppError {
  constructor(
    readonly pluginId: string,
    readonly step: string,
    /** `THREW`, `TIMED_OUT`, `NOT_LOADED` or `BAD_CONFIG`. */
    readonly failure: 'THREW' | 'TIMED_OUT' | 'NOT_LOADED' | 'BAD_CONFIG',
  ) {
    const what = {
      THREW: 'failed',
      TIMED_OUT: 'did not answer in time',
      NOT_LOADED: 'is enabled on the account but not loaded on this server',
      BAD_CONFIG: "has a stored configuration its schema no longer accepts; reconfigure it",
    }[failure];
    super('PLUGIN_FAILED', `Plugin "${pluginId}" ${what} during ${step}; the step was refused. An ADMIN can disable the plugin.`);
  }
}

export function unauthenticated(message = 'Sign in first: send Authorization: Bearer <token>.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message = 'Your role does not allow this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}

export function subscriptionLimitReached(limit: number): GraphQLError {
  return new GraphQLError(`At most ${limit} subscriptions per connection: complete one first, or open another connection.`, {
    extensions: { code: 'SUBSCRIPTION_LIMIT_REACHED', limit },
  });
}

export function slowConsumer(limit: number): GraphQLError {
  return new GraphQLError(`More than ${limit} events were waiting for this client: the subscription was dropped. Subscribe again and reload.`, {
    extensions: { code: 'SLOW_CONSUMER', limit },
  });
}
