// Imports every type module, then builds the schema.
import './scalars.ts';
import './error-types.ts';
import '../modules/users/user.schema.ts';
import '../modules/accounts/account.schema.ts';
import '../modules/members/member.schema.ts';
import '../modules/audit/audit.schema.ts';
import '../modules/friends/friend.schema.ts';
import '../modules/chats/message-content.schema.ts';
import '../modules/chats/chat.schema.ts';
import '../modules/chats/chat-events.schema.ts';
import '../modules/tags/chat-tag.schema.ts';
import '../modules/audiences/audience.schema.ts';
import '../modules/deliveries/delivery.schema.ts';
import '../modules/deliveries/test-recipient.schema.ts';
import '../modules/approvals/approval.schema.ts';
import '../modules/plugins/plugin.schema.ts';
import '../modules/accounts/business-hours.schema.ts';
import '../modules/deliveries/delivery-events.schema.ts';
import { builder } from './builder.ts';
import { guardTokenKinds } from './token-kinds.ts';

export const schema = guardTokenKinds(builder.toSchema({ sortSchema: true }));
