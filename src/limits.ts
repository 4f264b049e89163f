// Every domain limit in one place, named for the rule it serves.

/** R-MEMBER-1: members per account. */
export const MAX_MEMBERS = 100;
/** Page size ceiling for every connection. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 100;
