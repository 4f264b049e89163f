import type { Logger } from 'pino';
import type { Clock } from './clock.ts';
import type { Database } from './db/client.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { Config } from './env.ts';
import type { PluginHost } from './plugin-system/runner.ts';
import type { Events } from './events/bus.ts';
import type { AppAbility } from './auth/ability.ts';
import type { Viewer } from './modules/users/auth.service.ts';
import type { FriendViewer } from './modules/friends/friend.service.ts';
import type { SubscriberSession } from './subscriptions/session.ts';

/** What the app is built from: one per process (tests: one per test file). */
export type AppDeps = { db: Database; clock: Clock; config: Config; logger: Logger; jobs: JobQueue; plugins: PluginHost; events: Events };

/** Per-request GraphQL context. */
export type Context = {
  deps: AppDeps;
  /** The member-side user; null without a member token. */
  viewer: Viewer | null;
  /** The friend-side caller; null without a friend token. Never both. */
  friend: FriendViewer | null;
  /** The viewer's ability at request start (an anonymous one without a viewer). */
  ability: AppAbility;
  /** The token behind this request or WebSocket connection; subscriptions re-check it per event. Null without a token. */
  session: SubscriberSession | null;
};
