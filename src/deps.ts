// The dependency types, in one place and types only. What the process is
// built from (AppDeps, made by createRuntime in src/runtime.ts) and what each
// service receives (Deps and its narrower kin) are named here once; services
// take the narrowest that serves them, and read domain settings from
// `deps.config` rather than having a resolver splice values in.
import type { Logger } from 'pino';
import type { AppAbility } from './auth/ability.ts';
import type { FriendViewer } from './auth/authenticate.ts';
import type { Clock } from './clock.ts';
import type { Database, Tx } from './db/client.ts';
import type { Config } from './env.ts';
import type { Events } from './events/bus.ts';
import type { JobQueue } from './jobs/queue.ts';
import type { PluginHost } from './plugin-system/runner.ts';

export type { FriendViewer, Viewer } from './auth/authenticate.ts';

/** What the app is built from: one per process (tests: one per test file), made by createRuntime. */
export type AppDeps = { db: Database; clock: Clock; config: Config; logger: Logger; jobs: JobQueue; plugins: PluginHost; events: Events };

/**
 * The settings domain rules depend on, parsed once from the environment
 * (src/env.ts, README "Configuration"). Services read them here; the full
 * Config (ports, URLs, log level) stays with the runtime.
 */
export type DomainConfig = Pick<Config, 'recallWindowMs' | 'narrowcastMinTargets' | 'fanOutBatchSize' | 'tokenTtlMs' | 'invitationTtlMs'>;

/** The member a service acts for, with the ability built from their memberships. */
export type Actor = { userId: string; email: string; ability: AppAbility };

/** What every service inside a transaction has: the transaction, the time, the domain settings. */
export type TxDeps = { tx: Tx; clock: Clock; config: DomainConfig };

/** A service the account runs by itself, with no member acting (scheduled sends; later automation). */
export type SystemDeps = TxDeps & { plugins: PluginHost; jobs: JobQueue };

/** What every member-side service receives (STYLE: deps carry tx, clock, actor, plugins). */
export type Deps = SystemDeps & { actor: Actor };

/** What every friend-side service receives: the friend a friend token speaks for. */
export type FriendDeps = TxDeps & { friend: FriendViewer; ability: AppAbility };
