// Arrange-steps for chat tests: a friend who follows and writes, and members who reply.
import type { TestApp } from './test-app.ts';
import { createAccount, dbId, globalId, signUp, type SignedIn } from './scenario.ts';

export const MESSAGE_FIELDS = `id direction kind state contentType sentAt recalledAt notifiedAt
  content { __typename ... on TextContent { text } ... on MediaContent { type url sizeBytes mimeType } ... on StickerContent { packageId stickerId } }`;

/**
 * A new friend of the account. `selfId` is what the friend was given (its
 * FriendSelf id); `friendId` is the same friend's member-side Friend id, which
 * members would find in `account.friends` (derived here to save the round trip).
 */
export async function follow(app: TestApp, accountId: string, displayName = 'Yui'): Promise<{ token: string; selfId: string; friendId: string }> {
  const res = await app.gql(
    `mutation($a: ID!, $n: String!) { friendFollow(accountId: $a, displayName: $n) {
      __typename ... on MutationFriendFollowSuccess { data { token friendId } } ... on Error { code message } } }`,
    { a: accountId, n: displayName },
  );
  if (res.data?.friendFollow?.__typename !== 'MutationFriendFollowSuccess') throw new Error(JSON.stringify(res));
  const { token, friendId: selfId } = res.data.friendFollow.data;
  return { token, selfId, friendId: globalId('Friend', dbId(selfId)) };
}

export async function friendSays(app: TestApp, friendToken: string, content: Record<string, unknown> = { text: 'Is the matcha latte back?' }) {
  const res = await app.gql(
    `mutation($c: MessageContentInput!) { friendSendMessage(content: $c) {
      __typename ... on MutationFriendSendMessageSuccess { data { id } } ... on ValidationError { code field message limit } } }`,
    { c: content },
    friendToken,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.friendSendMessage;
}

export async function chatIdOf(app: TestApp, token: string, friendId: string): Promise<string> {
  const res = await app.gql(`query($id: ID!) { friend(id: $id) { chat { id } } }`, { id: friendId }, token);
  return res.data.friend.chat.id;
}

export async function send(app: TestApp, token: string, chatId: string, content: Record<string, unknown> = { text: 'Yes, from today!' }, idempotencyKey = `key-${Math.random()}`) {
  return app.gql(
    `mutation($chat: ID!, $c: MessageContentInput!, $k: String!) { sendChatMessage(chatId: $chat, content: $c, idempotencyKey: $k) {
      __typename
      ... on MutationSendChatMessageSuccess { data { ${MESSAGE_FIELDS} } }
      ... on Error { code rule message }
      ... on ValidationError { field limit }
      ... on FriendNotReachableError { friendStatus }
      ... on NotFoundError { field }
    } }`,
    { chat: chatId, c: content, k: idempotencyKey },
    token,
  );
}

export async function recall(app: TestApp, token: string, messageId: string) {
  return app.gql(
    `mutation($id: ID!) { recallMessage(messageId: $id) {
      __typename
      ... on MutationRecallMessageSuccess { data { friendNotified friendRead reported message { ${MESSAGE_FIELDS} recalledByUserId } } }
      ... on Error { code rule message }
      ... on RecallWindowExpiredError { sentAt windowEndsAt }
      ... on NotRecallableError { kind direction }
    } }`,
    { id: messageId },
    token,
  );
}

export async function friendView(app: TestApp, friendToken: string) {
  const res = await app.gql(
    `{ friendChat { accountName messages(first: 100) { edges { node { id fromAccount state contentType recalledAt
      content { __typename ... on TextContent { text } ... on MediaContent { url } } } } } } }`,
    {},
    friendToken,
  );
  if (res.errors) throw new Error(JSON.stringify(res.errors));
  return res.data.friendChat;
}

/** An account with an ADMIN, a friend who has written once, and the chat's id. */
export async function openChat(app: TestApp): Promise<{ admin: SignedIn; accountId: string; friend: { token: string; selfId: string; friendId: string }; chatId: string }> {
  const admin = await signUp(app);
  const accountId = await createAccount(app, admin.token);
  const friend = await follow(app, accountId);
  await friendSays(app, friend.token);
  const chatId = await chatIdOf(app, admin.token, friend.friendId);
  return { admin, accountId, friend, chatId };
}
