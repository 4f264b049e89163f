// The only module plugins import (`dengon/plugin`). Anything not exported
// here is internal and may change without notice.

export { z } from 'zod';
export { abstain, definePlugin, reject, requireApprovals } from './define-plugin.ts';
export { PLUGIN_API_VERSION } from './types.ts';
export type {
  AfterHook,
  AfterHookContext,
  AfterHookEvent,
  ApprovalRequirement,
  DecisionEvent,
  DeliveryKind,
  HookContext,
  MemberRole,
  MessageReceivedEvent,
  PluginAccount,
  PluginContext,
  PluginDefinition,
  PluginDelivery,
  PluginHooks,
  PluginLogger,
  PluginSchema,
  PluginSpec,
  PluginState,
  PolicyContext,
  PolicyDefinition,
  PolicyResult,
  ReadonlyPluginState,
  RecalledEvent,
  SentEvent,
  VetoHook,
  VetoHookName,
  VetoResult,
  Weekday,
  WeeklyHours,
} from './types.ts';
