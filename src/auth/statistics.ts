// R-STATS-1, declared once: which numbers count the account's reach, and which
// numbers that look alike do not. The read policy (src/auth/ability.ts) denies
// the statistics below to roles without statistics; the GraphQL layer
// (src/graphql/read-policy-plugin.ts) applies it to every field and JSON key
// named here, and a test walks the schema so that a new number or JSON field
// that appears in neither table fails.

/**
 * Statistics per subject. The subject is a GraphQL type name and also the
 * CASL subject the policy rules over:
 * - `row`: a table the ability already rules over (read in one's own account);
 * - `view`: an object computed per request (a preview, the quota, an event),
 *   which members may read in their own accounts, statistics apart.
 *
 * `fields` are GraphQL fields of that type; each must be nullable, and is null
 * for a viewer who may not read it. `keys` are the same numbers as they appear
 * inside JSON that leaves the server (history and audit `data`, blocker
 * `details`): every field name and key listed is stripped from such JSON.
 * Every object a statistic is read from carries the `accountId` it belongs to;
 * without one the statistic is hidden from everyone.
 */
export const STATISTICS = {
  Delivery: {
    subject: 'row',
    fields: ['recipientCount', 'quotaUnits'],
    // History: delivery.sending (targets, quotaUnitsReserved), delivery.sent (recipients, quotaUnits).
    // delivery.test_sent's `recipients` counts one's own test phones, but one name gets one rule.
    keys: ['targets', 'recipients', 'quotaUnitsReserved'],
  },
  Audience: { subject: 'row', fields: ['size'], keys: [] },
  ChatTag: { subject: 'row', fields: ['friendCount'], keys: ['untaggedFriends'] },
  ChatTagDeletion: { subject: 'view', fields: ['untaggedFriendCount'], keys: [] },
  Quota: { subject: 'view', fields: ['used', 'remaining'], keys: [] },
  DeliveryPreview: { subject: 'view', fields: ['recipientCount', 'quotaUnits', 'quotaRemaining'], keys: [] },
  DeliveryEvent: { subject: 'view', fields: ['progress'], keys: [] },
  DeliveryProgress: { subject: 'view', fields: ['sent', 'total'], keys: [] },
  // Errors are subjects too: their fields, and the same names in a preview's blocker details.
  AudienceTooSmallError: { subject: 'view', fields: ['count'], keys: [] },
  QuotaExceededError: { subject: 'view', fields: ['remaining', 'needed'], keys: [] },
} as const satisfies Record<string, { subject: 'row' | 'view'; fields: readonly string[]; keys: readonly string[] }>;

export type StatisticSubject = keyof typeof STATISTICS;

/**
 * JSON fields that carry another subject's statistics under that subject's
 * names; `subjectFrom` is the property of the parent object naming the
 * subject (an audit row's `subjectType`, a blocker's `errorType`). Keys listed
 * in STATISTICS for that subject are left out for a viewer who may not read them.
 */
export const STATISTICS_IN_JSON = {
  AuditEvent: { data: { subjectFrom: 'subjectType' } },
  DeliveryBlocker: { details: { subjectFrom: 'errorType' } },
} as const satisfies Record<string, Record<string, { subjectFrom: string }>>;

/**
 * Reviewed: numbers and JSON on member-side types that are not statistics,
 * with the reason. Workload (what needs doing), limits, settings and content
 * are not reach (R-STATS-1). A field here is shown to every role that may
 * read its object.
 */
export const NOT_STATISTICS = {
  Account: {
    chatTagCount: 'tags the account defined (R-TAG-1 cap), not friends reached',
    memberCount: 'team size (R-MEMBER-1), not friends reached',
    memberLimit: 'limit (R-MEMBER-1)',
    recallWindowSeconds: 'setting (R-RECALL-1)',
  },
  ApprovalEvent: { revision: 'edit counter (R-APPROVAL-2)' },
  ApprovalRequiredError: { approvals: 'approval workload', required: 'approval workload' },
  ApprovalRequirementSource: { approvals: 'approval workload' },
  Audience: { spec: 'the definition a member wrote (tags, attributes, friend ids), not a count' },
  AudienceTooSmallError: { minimum: 'setting (NARROWCAST_MIN_TARGETS, R-TAG-2)' },
  Chat: { unreadCount: 'workload: messages waiting in this chat' },
  Delivery: { revision: 'edit counter (R-APPROVAL-2)' },
  DeliveryApproval: { revision: 'edit counter (R-APPROVAL-2)' },
  DeliveryApprovalStatus: { approvals: 'approval workload', requiredApprovals: 'approval workload' },
  Friend: { attributes: "the friend's own attributes, not a count" },
  LimitReachedError: { limit: 'limit' },
  LocationContent: { latitude: 'message content', longitude: 'message content' },
  MediaContent: { sizeBytes: 'message content' },
  Plugin: { apiVersion: 'plugin metadata', configSchema: 'plugin metadata' },
  PluginInstallation: { config: 'ADMIN-only plugin configuration (secrets masked)' },
  PluginRejectedError: { details: "written by the plugin; a policy's and veto hook's view of a delivery holds no statistics" },
  PluginRun: { attempts: 'retry counter of an after-commit hook' },
  Quota: { limit: 'the plan (R-QUOTA-1), not what was used' },
  QuotaExceededError: { limit: 'the plan (R-QUOTA-1), not what was used' },
  TestSendResult: { recipientCount: `your own test recipients (R-SAFE-2), not the account's reach` },
  ValidationError: { limit: 'limit' },
} as const satisfies Record<string, Record<string, string>>;

/** How a field is read (R-STATS-1), as the GraphQL layer applies it and the schema test checks it. */
export type ReadPolicy =
  | { kind: 'statistic'; subject: StatisticSubject }
  | { kind: 'statistics-in-json'; subjectFrom: string }
  | { kind: 'not-statistic'; reason: string };

/** The declared policy of `type.field`, or null when it declares none. */
export function readPolicyOf(type: string, field: string): ReadPolicy | null {
  const stats = (STATISTICS as Record<string, { fields: readonly string[] }>)[type];
  if (stats?.fields.includes(field)) return { kind: 'statistic', subject: type as StatisticSubject };
  const json = (STATISTICS_IN_JSON as Record<string, Record<string, { subjectFrom: string }>>)[type]?.[field];
  if (json) return { kind: 'statistics-in-json', subjectFrom: json.subjectFrom };
  const reason = (NOT_STATISTICS as Record<string, Record<string, string>>)[type]?.[field];
  return reason ? { kind: 'not-statistic', reason } : null;
}

/** Every name under which `subject`'s statistics appear: its fields and its JSON keys. */
export function statisticNames(subject: string): readonly string[] {
  const stats = (STATISTICS as Record<string, { fields: readonly string[]; keys: readonly string[] }>)[subject];
  return stats ? [...stats.fields, ...stats.keys] : [];
}
