import path from 'node:path';
import { z } from 'zod';
import { parseDuration } from './duration.ts';

const duration = (fallback: string) =>
  z
    .string()
    .default(fallback)
    .transform((text, ctx) => {
      try {
        const ms = parseDuration(text);
        if (ms <= 0) throw new Error(`must be positive, got "${text}"`);
        return ms;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: (error as Error).message });
        return z.NEVER;
      }
    });

// An empty variable (`DATABASE_URL=`) means unset, as in most shells' configs.
const optionalUrl = z.preprocess((value) => (value === '' ? undefined : value), z.string().url().optional());

const EnvSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  /** PostgreSQL connection string; when unset the embedded PGlite database is used. */
  DATABASE_URL: optionalUrl,
  /** Where the embedded database keeps its files. */
  DATA_DIR: z.string().default('./data'),
  /** Pub/sub across instances (subscriptions); in-memory when unset. */
  REDIS_URL: optionalUrl,
  /** R-RECALL-1: how long after sending a chat message may be recalled. */
  RECALL_WINDOW: duration('1h'),
  /** Lifetime of a bearer token issued by signIn / signUp. */
  TOKEN_TTL: duration('30d'),
  /** Lifetime of a member invitation. */
  INVITATION_TTL: duration('7d'),
  /** R-TAG-2: attribute-filtered narrowcasts need at least this many targets. */
  NARROWCAST_MIN_TARGETS: z.coerce.number().int().min(0).default(50),
  /** Recipients written per fan-out transaction: bigger is faster, smaller holds locks and memory for less time. */
  FAN_OUT_BATCH_SIZE: z.coerce.number().int().min(1).max(100_000).default(10_000),
  /** Third-party plugins to load at start: package names or paths, comma-separated. */
  PLUGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean)),
  /** How long a plugin's policy or hook may run: a veto step is then refused (fail closed); an after-commit hook is retried. */
  PLUGIN_HOOK_TIMEOUT: duration('2s'),
  /** Published outbox events are kept this long (history for after-commit consumers), then purged hourly. */
  OUTBOX_RETENTION: duration('7d'),
  /** Finished plugin runs (account.pluginRuns) are kept this long, then purged hourly. */
  PLUGIN_RUN_RETENTION: duration('30d'),
  /** A retried request is answered with its first result for this long (R-SAFE-1); then its key is forgotten. */
  IDEMPOTENCY_RETENTION: duration('30d'),
  /** Browser origins allowed to call the API with credentials (exact `scheme://host[:port]`, comma-separated); none when empty. */
  CORS_ORIGINS: z
    .string()
    .default('')
    .transform((text) => text.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string().regex(/^https?:\/\/[^/\s*]+$/, 'each origin is scheme://host[:port], no path, no wildcard'))),
  /** Schema introspection: on by default except in production. */
  INTROSPECTION: z.enum(['true', 'false']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export type Config = {
  nodeEnv: 'development' | 'production' | 'test';
  host: string;
  port: number;
  databaseUrl: string | undefined;
  dataDir: string;
  redisUrl: string | undefined;
  recallWindowMs: number;
  tokenTtlMs: number;
  invitationTtlMs: number;
  logLevel: string;
  narrowcastMinTargets: number;
  fanOutBatchSize: number;
  /** Third-party plugin modules (`PLUGINS`), loaded after the bundled ones. */
  plugins: string[];
  pluginHookTimeoutMs: number;
  outboxRetentionMs: number;
  pluginRunRetentionMs: number;
  idempotencyRetentionMs: number;
  /** `CORS_ORIGINS`: the only origins that get CORS headers. */
  corsOrigins: string[];
  /** `INTROSPECTION`, defaulting to off in production. */
  introspection: boolean;
};

/** Reads configuration once; throws a message naming every bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n');
    throw new Error(`Invalid configuration:\n${problems}`);
  }
  const e = parsed.data;
  return {
    nodeEnv: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    databaseUrl: e.DATABASE_URL,
    dataDir: path.resolve(e.DATA_DIR),
    redisUrl: e.REDIS_URL,
    recallWindowMs: e.RECALL_WINDOW,
    tokenTtlMs: e.TOKEN_TTL,
    invitationTtlMs: e.INVITATION_TTL,
    logLevel: e.LOG_LEVEL,
    narrowcastMinTargets: e.NARROWCAST_MIN_TARGETS,
    fanOutBatchSize: e.FAN_OUT_BATCH_SIZE,
    plugins: e.PLUGINS,
    pluginHookTimeoutMs: e.PLUGIN_HOOK_TIMEOUT,
    outboxRetentionMs: e.OUTBOX_RETENTION,
    pluginRunRetentionMs: e.PLUGIN_RUN_RETENTION,
    idempotencyRetentionMs: e.IDEMPOTENCY_RETENTION,
    corsOrigins: e.CORS_ORIGINS,
    introspection: e.INTROSPECTION ? e.INTROSPECTION === 'true' : e.NODE_ENV !== 'production',
  };
}
