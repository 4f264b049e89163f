// Every domain limit in one place, named for the rule it serves.

/** R-MEMBER-1: members per account. */
export const MAX_MEMBERS = 100;
/** Page size ceiling for every connection. */
export const MAX_PAGE_SIZE = 100;
export const DEFAULT_PAGE_SIZE = 20;

/** Passwords (issue 14): 10 to 200 characters, not repetitive, not in the common list (src/auth/password-policy.ts). */
export const MIN_PASSWORD_LENGTH = 10;
export const MAX_PASSWORD_LENGTH = 200;
export const MAX_EMAIL_LENGTH = 254;
export const MAX_NAME_LENGTH = 100;

/** Text message length (characters). */
export const MAX_TEXT_LENGTH = 5_000;
/** Media sent by reference: size ceilings per type (bytes). */
export const MAX_MEDIA_BYTES = { image: 10 * 1024 * 1024, video: 200 * 1024 * 1024, file: 50 * 1024 * 1024 } as const;
export const MAX_URL_LENGTH = 2_000;
export const MAX_CARD_ACTIONS = 4;
/** R-TAG-1: chat tags per friend and per account. */
export const MAX_TAGS_PER_FRIEND = 10;
export const MAX_TAGS_PER_ACCOUNT = 200;
export const MAX_TAG_NAME_LENGTH = 20;
export const MAX_REPORT_REASON_LENGTH = 500;
export const MAX_IDEMPOTENCY_KEY_LENGTH = 100;

/** R-QUOTA-1: monthly message units by plan (one per recipient of a broadcast/narrowcast). */
export const PLAN_QUOTA = { FREE: 200, LIGHT: 5_000, STANDARD: 30_000 } as const;
/** R-SAFE-2: test recipients per member per account. */
export const MAX_TEST_RECIPIENTS = 5;
/** R-SAFE-2: how long a one-time test recipient code can be claimed (ms). */
export const TEST_RECIPIENT_CODE_TTL_MS = 10 * 60_000;
/** R-SAFE-2: test sends per member per account in any rolling hour. */
export const MAX_TEST_SENDS_PER_HOUR = 20;

/** R-SAFE-1: how far ahead a delivery may be scheduled. */
export const MAX_SCHEDULE_AHEAD_DAYS = 366;
/** Plugin state store, per installation (CHECKs in the migration back the sizes). */
export const MAX_PLUGIN_STATE_KEYS = 100;
export const MAX_PLUGIN_STATE_KEY_LENGTH = 100;
export const MAX_PLUGIN_STATE_VALUE_BYTES = 4_096;
/** Plugin config as stored (JSON bytes): configuration, not data. */
export const MAX_PLUGIN_CONFIG_BYTES = 16_384;
/** Business hours: opening intervals per weekday. */
export const MAX_BUSINESS_INTERVALS_PER_DAY = 4;

// Live subscriptions (graphql-ws / SSE). Counted per process: behind a load
// balancer each instance enforces its own share.
/** Operations one WebSocket connection may run at once. */
export const MAX_SUBSCRIPTIONS_PER_CONNECTION = 20;
/** Open WebSocket connections per bearer token (a dashboard tab each; a leak stops here). */
export const MAX_CONNECTIONS_PER_TOKEN = 10;
/** Events waiting for a slow client, per subscription; past it the subscription is dropped, not buffered. */
export const MAX_QUEUED_EVENTS_PER_SUBSCRIPTION = 256;
/** Open subscriptions re-check their token (revocation, expiry) at least this often (ms of the app clock). */
export const SUBSCRIBER_RECHECK_MS = 60_000;
/** Delivery fan-out progress events per delivery per second (statistics for live dashboards). */
export const PROGRESS_EVENTS_PER_SECOND = 4;

// Request size and shape (checked before any parsing; see src/graphql/request-limits.ts).
/** A GraphQL document, comments and whitespace included (bytes): generous for any real screen, far from a lexer stall. */
export const MAX_DOCUMENT_BYTES = 100_000;
/** A whole HTTP body or WebSocket message (bytes): the document plus its variables. */
export const MAX_REQUEST_BYTES = 1_000_000;
