import type { YogaServerInstance } from 'graphql-yoga';
import type { AppAbility } from './auth/ability.ts';
import type { AppDeps, FriendViewer, Viewer } from './deps.ts';
import type { SubscriptionCaches } from './subscriptions/caches.ts';
import type { SubscriberSession } from './subscriptions/session.ts';

// Moved to src/deps.ts; re-exported so existing imports keep working.
export type { AppDeps } from './deps.ts';

/** What the GraphQL transport is built from: the app's dependencies and the caches its subscribers share. */
export type ServerDeps = AppDeps & { subscriptions: SubscriptionCaches };

/** Per-request GraphQL context. */
export type Context = {
  deps: ServerDeps;
  /** The member-side user; null without a member token. */
  viewer: Viewer | null;
  /** The friend-side caller; null without a friend token. Never both. */
  friend: FriendViewer | null;
  /** The viewer's ability at request start (an anonymous one without a viewer). */
  ability: AppAbility;
  /** The token behind this request or WebSocket connection; subscriptions re-check it per event. Null without a token. */
  session: SubscriberSession | null;
};

/** The yoga app (src/app.ts builds it). */
export type App = YogaServerInstance<Record<string, unknown>, Context>;
