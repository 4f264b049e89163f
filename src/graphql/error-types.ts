import {
  AppError,
  ConflictError,
  InvalidCredentialsError,
  LastAdminError,
  LimitReachedError,
  NotFoundError,
  ValidationError,
} from '../errors.ts';
import { builder } from './builder.ts';

/** Every typed error in a mutation payload implements this. */
export const ErrorInterface = builder.interfaceRef<AppError>('Error').implement({
  description: 'A rule violation or bad input. Switch on `code` (stable) or `__typename`.',
  fields: (t) => ({
    message: t.exposeString('message'),
    code: t.exposeString('code', { description: 'Stable error code from the registry in src/errors.ts.' }),
    rule: t.exposeString('rule', { nullable: true, description: 'The DOMAIN.md rule id that refused, if any.' }),
  }),
});

export const ValidationErrorType = builder.objectType(ValidationError, {
  name: 'ValidationError',
  description: 'An argument is malformed or out of range (INVALID_INPUT).',
  interfaces: [ErrorInterface],
  fields: (t) => ({
    field: t.exposeString('field', { description: 'The argument (or argument path) that is wrong.' }),
    limit: t.exposeInt('limit', { nullable: true, description: 'The size limit that was exceeded, if any.' }),
  }),
});

export const NotFoundErrorType = builder.objectType(NotFoundError, {
  name: 'NotFoundError',
  description: 'No such object, or one in an account you are not a member of: the two look the same.',
  interfaces: [ErrorInterface],
  fields: (t) => ({ field: t.exposeString('field') }),
});

export const LimitReachedErrorType = builder.objectType(LimitReachedError, {
  name: 'LimitReachedError',
  description: 'A count limit was reached, e.g. MEMBER_LIMIT_REACHED (R-MEMBER-1).',
  interfaces: [ErrorInterface],
  fields: (t) => ({ limit: t.exposeInt('limit') }),
});

builder.objectType(LastAdminError, {
  name: 'LastAdminError',
  description: 'The last ADMIN cannot leave, be removed or be demoted (R-MEMBER-3).',
  interfaces: [ErrorInterface],
});

builder.objectType(InvalidCredentialsError, {
  name: 'InvalidCredentialsError',
  description: 'Email or password is wrong (the same error for an unknown email).',
  interfaces: [ErrorInterface],
});

builder.objectType(ConflictError, {
  name: 'ConflictError',
  description: 'Conflicts with current state: EMAIL_TAKEN, ALREADY_MEMBER, INVITATION_NOT_PENDING, INVITATION_EXPIRED.',
  interfaces: [ErrorInterface],
});

/** The error types most mutations can return. */
export const COMMON_ERRORS = [ValidationError, NotFoundError] as const;
