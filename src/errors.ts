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
  // GraphQL errors (not payload results): authentication and permission.
  UNAUTHENTICATED: { rule: null, description: 'No valid bearer token.' },
  FORBIDDEN: { rule: null, description: 'Your role does not allow this.' },
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
type PayloadCode = Exclude<ErrorCode, 'UNAUTHENTICATED' | 'FORBIDDEN'>;

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
  constructor(code: 'MEMBER_LIMIT_REACHED', readonly limit: number, message: string) {
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
  constructor(code: 'EMAIL_TAKEN' | 'ALREADY_MEMBER' | 'INVITATION_NOT_PENDING' | 'INVITATION_EXPIRED', message: string) {
    super(code, message);
  }
}

export function unauthenticated(message = 'Sign in first: send Authorization: Bearer <token>.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
}

export function forbidden(message = 'Your role does not allow this.'): GraphQLError {
  return new GraphQLError(message, { extensions: { code: 'FORBIDDEN' } });
}
