/** Dotted audit action names, defined once (R-APPROVAL-3 style: who, when, what changed). */
export const AUDIT = {
  accountCreated: 'account.created',
  memberInvited: 'member.invited',
  invitationRevoked: 'member.invitation_revoked',
  memberJoined: 'member.joined',
  memberRoleChanged: 'member.role_changed',
  memberRemoved: 'member.removed',
  memberLeft: 'member.left',
  messageRecalled: 'message.recalled',
  messageHidden: 'message.hidden',
  chatTagCreated: 'chat_tag.created',
  chatTagRenamed: 'chat_tag.renamed',
  chatTagDeleted: 'chat_tag.deleted',
  deliveryCreated: 'delivery.created',
  deliveryUpdated: 'delivery.updated',
  deliverySubmitted: 'delivery.submitted',
  /** An approval was recorded but more are needed: the delivery stays PENDING_APPROVAL. */
  deliveryApprovalAdded: 'delivery.approval_added',
  deliveryApproved: 'delivery.approved',
  deliveryRejected: 'delivery.rejected',
  deliveryCancelled: 'delivery.cancelled',
  deliverySent: 'delivery.sent',
  deliveryTestSent: 'delivery.test_sent',
  pluginInstalled: 'plugin.installed',
  pluginConfigured: 'plugin.configured',
  pluginEnabled: 'plugin.enabled',
  pluginDisabled: 'plugin.disabled',
  pluginUninstalled: 'plugin.uninstalled',
  businessHoursChanged: 'account.business_hours_changed',
} as const;

export type AuditAction = (typeof AUDIT)[keyof typeof AUDIT];
