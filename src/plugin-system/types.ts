// The plugin contract, version 1. Everything here is what a plugin author
// sees: it must not import from the rest of `src/` (plugins only get this
// surface through `public.ts`), so the few domain enums are spelled out.
import type { z } from 'zod';

/** The plugin API this server speaks. A plugin declaring another one is refused at start. */
export const PLUGIN_API_VERSION = 1;

/** Kinds of delivery (see DOMAIN.md "Deliveries"); policies say which ones they apply to. */
export type DeliveryKind = 'CHAT' | 'BROADCAST' | 'NARROWCAST' | 'STEP' | 'GREETING' | 'AUTO_RESPONSE' | 'GROUP' | 'API';

/** Member roles, most to least power (R-MEMBER-2). Only ADMIN and OPERATOR may approve. */
export type MemberRole = 'ADMIN' | 'OPERATOR' | 'OPERATOR_NO_SEND' | 'OPERATOR_NO_SEND_NO_STATS';

/** A read-only view of the delivery a policy or hook is asked about. */
export interface PluginDelivery {
  /** Database id (not the GraphQL global id). */
  readonly id: string;
  readonly accountId: string;
  readonly kind: DeliveryKind;
  /** Internal title, never shown to friends. */
  readonly title: string;
  /** `text`, `image`, `card`, … */
  readonly contentType: string;
  /** The message content as stored, e.g. `{ type: 'text', text: '…' }`. */
  readonly content: unknown;
  /** Bumped by every edit; approvals count for one revision. */
  readonly revision: number;
  readonly status: string;
  readonly authorUserId: string;
  /** The author's role now; null if the author has left the account. */
  readonly authorRole: MemberRole | null;
}

/** The account a plugin runs for, with the settings plugins commonly need. */
export interface PluginAccount {
  readonly id: string;
  /** IANA time zone, e.g. `Asia/Tokyo`. */
  readonly timeZone: string;
  /** Weekly opening hours by day (`MON`…`SUN`), local times `HH:MM`; null when not set. */
  readonly businessHours: WeeklyHours | null;
}

/** Day keys of {@link WeeklyHours}. */
export type Weekday = 'MON' | 'TUE' | 'WED' | 'THU' | 'FRI' | 'SAT' | 'SUN';

/** Opening intervals per weekday in the account's time zone; a missing day is closed. */
export type WeeklyHours = Partial<Record<Weekday, { open: string; close: string }[]>>;

/**
 * The per-installation key-value store: small (see the limits in the README of
 * docs/plugins.md), written in the caller's transaction, so a refused step
 * leaves no trace of a hook's writes either.
 */
export interface PluginState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Throws when the key or value is over its size limit, or the store is full. */
  set(key: string, value: unknown): Promise<void>;
  delete(key: string): Promise<void>;
}

/** A policy's state is read-only: policies are also evaluated by previews, which write nothing. */
export type ReadonlyPluginState = Pick<PluginState, 'get'>;

/** Logger handed to plugins; lines carry the plugin id. Never log secrets from `config`. */
export interface PluginLogger {
  info(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  error(message: string, data?: Record<string, unknown>): void;
}

/** What every policy and hook receives besides the delivery. */
export interface PluginContext<Config> {
  /** This account's configuration of the plugin, parsed by the plugin's schema (defaults applied). */
  readonly config: Config;
  readonly account: PluginAccount;
  /** The injected clock's time: use it, never `Date.now()`, so tests can move time. */
  readonly now: Date;
  /** The member acting (submitting, approving, sending); null for system steps. */
  readonly actorUserId: string | null;
  readonly logger: PluginLogger;
}

/** Context of a policy: state is read-only. */
export interface PolicyContext<Config> extends PluginContext<Config> {
  readonly state: ReadonlyPluginState;
}

/** Context of a veto hook: runs inside the transaction and may write state. */
export interface HookContext<Config> extends PluginContext<Config> {
  readonly state: PluginState;
}

/**
 * What a policy may ask for. The combined requirement of all enabled plugins
 * and the built-in rule is the strictest of them: the most approvals, the
 * narrowest roles, and `excludeAuthor` if anyone asks for it.
 */
export interface ApprovalRequirement {
  /** Distinct approvals needed (0 means "nothing beyond the built-in rule"). */
  approvals: number;
  /** Only approvals from members with one of these roles count. Approvers always need send permission. */
  roles?: MemberRole[];
  /** The author's own approval does not count. */
  excludeAuthor?: boolean;
  /** Shown to members: why this plugin asks for approvals. */
  reason?: string;
}

/**
 * A policy's answer. Build it with {@link abstain}, {@link requireApprovals}
 * or {@link reject}; returning nothing is the same as abstaining.
 */
export type PolicyResult =
  | { readonly abstain: true }
  | { readonly require: ApprovalRequirement }
  | { readonly reject: string; readonly details?: Record<string, unknown> };

/** One approval policy of a plugin, evaluated when a delivery is submitted and again before it is sent. */
export interface PolicyDefinition<Config> {
  /** Unique within the plugin; shown with the requirement (`two-person-rule/approvals`). */
  key: string;
  /** Delivery kinds the policy applies to; it is not asked about others. */
  appliesTo: readonly DeliveryKind[];
  /** Must be deterministic for a given delivery revision and config, and fast: it runs in the transaction. */
  evaluate(delivery: PluginDelivery, ctx: PolicyContext<Config>): PolicyResult | void | Promise<PolicyResult | void>;
}

/**
 * A veto hook's answer: nothing to let the step go on, or `{ veto }` to refuse
 * it with a reason (returned to the member as PLUGIN_REJECTED). Throwing or
 * running past the time limit also refuses the step (PLUGIN_FAILED): veto
 * hooks fail closed.
 */
export type VetoResult = void | undefined | { readonly veto: string; readonly details?: Record<string, unknown> };

/** A hook that runs inside the step's transaction, before anything is written, and may refuse it. */
export type VetoHook<Config> = (delivery: PluginDelivery, ctx: HookContext<Config>) => VetoResult | Promise<VetoResult>;

/** The decision an `onDecided` hook hears about. */
export interface DecisionEvent {
  deliveryId: string;
  revision: number;
  decision: 'APPROVED' | 'REJECTED';
  byUserId: string;
  reason?: string;
}

/** Sent deliveries, for `onSent`. */
export interface SentEvent {
  deliveryId: string;
  recipientCount: number;
  /** Null when the system sent it (a scheduled send coming due). */
  sentByUserId: string | null;
}

/** A recalled chat message, for `onRecalled`. */
export interface RecalledEvent {
  messageId: string;
  chatId: string;
  recalledByUserId: string;
}

/** A message a friend wrote to the account, for `onMessageReceived`. */
export interface MessageReceivedEvent {
  messageId: string;
  chatId: string;
  friendId: string;
  content: unknown;
}

/** The committed event an after-commit hook runs for. */
export interface AfterHookEvent {
  /** Stable across retries and redeliveries: receivers de-duplicate by it. */
  readonly id: string;
  /** Dotted name, e.g. `delivery.sent`. */
  readonly type: string;
  /** When the change committed (ISO 8601). */
  readonly occurredAt: string;
}

/**
 * Context of an after-commit hook. It runs outside any transaction: state
 * writes commit at once, and never record events, so a hook's own writes
 * cannot trigger it again.
 */
export interface AfterHookContext<Config> extends HookContext<Config> {
  readonly event: AfterHookEvent;
  /** Aborted when the hook's time limit is up: pass it to `fetch` and the like. */
  readonly signal: AbortSignal;
  /** 1 on the first try, then 2, 3, … on retries. */
  readonly attempt: number;
}

/**
 * An after-commit hook: runs once the change is committed, never fails the
 * mutation. Throwing (or running past the time limit) makes the server retry
 * it with backoff; each failure is recorded and visible to admins. Delivery is
 * at least once: make it idempotent, keyed by `ctx.event.id`.
 */
export type AfterHook<Event, Config> = (event: Event, ctx: AfterHookContext<Config>) => Promise<void> | void;

/** Every hook a plugin may declare. */
export interface PluginHooks<Config> {
  /** DRAFT → PENDING_APPROVAL (and direct sends of a sender's own draft are covered by `beforeSend`). */
  beforeSubmit?: VetoHook<Config>;
  /** Before an approval is recorded. */
  beforeApprove?: VetoHook<Config>;
  /** Before anything is sent. */
  beforeSend?: VetoHook<Config>;
  onSubmitted?: AfterHook<PluginDelivery, Config>;
  onDecided?: AfterHook<DecisionEvent, Config>;
  onSent?: AfterHook<SentEvent, Config>;
  onRecalled?: AfterHook<RecalledEvent, Config>;
  onMessageReceived?: AfterHook<MessageReceivedEvent, Config>;
}

/** Names of the veto hooks, in the order a delivery meets them. */
export type VetoHookName = 'beforeSubmit' | 'beforeApprove' | 'beforeSend';

/**
 * Plugin-owned GraphQL: a function handed a small builder to add fields under
 * the plugin's own namespaced type. Reserved in API 1: this server does not
 * support it yet and refuses to load a plugin that declares it, rather than
 * silently leaving its fields out.
 */
export type PluginSchema = (builder: unknown) => void;

/** What `definePlugin` takes. */
export interface PluginSpec<Schema extends z.ZodType = z.ZodType> {
  /** Lowercase, digits and dashes; unique among loaded plugins (`two-person-rule`). */
  id: string;
  /** Semver of the plugin itself; stored with each installation. */
  version: string;
  /** The plugin API it was written for; must be {@link PLUGIN_API_VERSION}. */
  apiVersion: number;
  /** One line, shown to admins choosing plugins. */
  description: string;
  /** Ids of plugins that must also be loaded. */
  requires?: readonly string[];
  /** zod schema of the per-account configuration; give every key a default so `{}` is valid. */
  config: Schema;
  /** Config keys that are write-only: never returned by the API, masked in logs and audit data. */
  secretKeys?: readonly (keyof z.output<Schema> & string)[];
  /** Approval policies, combined with every other enabled plugin's. */
  policies?: readonly PolicyDefinition<z.output<Schema>>[];
  hooks?: PluginHooks<z.output<Schema>>;
  schema?: PluginSchema;
}

/** A validated plugin: what `definePlugin` returns and the registry holds. */
export interface PluginDefinition<Schema extends z.ZodType = z.ZodType>
  extends Readonly<Omit<PluginSpec<Schema>, 'requires' | 'secretKeys' | 'policies' | 'hooks'>> {
  readonly requires: readonly string[];
  readonly secretKeys: readonly string[];
  readonly policies: readonly PolicyDefinition<z.output<Schema>>[];
  readonly hooks: PluginHooks<z.output<Schema>>;
}
