// The plugin author's test kit: an in-process Dengon (the whole GraphQL
// stack, no port) over a fresh database, with one plugin installed and
// enabled on a fresh account, a fake clock, and a member of each role.
// Bundled plugins use it; so can third-party ones (see docs/plugins.md).
import { createTestApp, type GraphQLResponse, type TestApp } from '../helpers/test-app.ts';
import { createAccount, seedMembers, signUp, type SignedIn } from '../helpers/scenario.ts';
import type { FakeClock } from '../helpers/fake-clock.ts';
import { getNamedType, isUnionType } from 'graphql';
import { schema } from '../../src/graphql/schema.ts';

export type KitMembers = {
  admin: SignedIn;
  /** A second ADMIN: admins are approvers too. */
  admin2: SignedIn;
  operator: SignedIn;
  operator2: SignedIn;
  /** OPERATOR_NO_SEND: drafts and submits, cannot approve or send. */
  drafter: SignedIn;
};

export type PluginKit = {
  app: TestApp;
  clock: FakeClock;
  /** Global id of the fresh account the plugin is installed on. */
  accountId: string;
  members: KitMembers;
  /** GraphQL over the app, as the member holding `token`. */
  gql<T = any>(query: string, variables: Record<string, unknown> | undefined, token: string): Promise<GraphQLResponse<T>>;
  /** Runs a mutation and returns its payload (success or typed error), or `{ errors }` for GraphQL errors (FORBIDDEN …). */
  mutate(token: string, name: string, args: Record<string, { type: string; value: unknown }>, data?: string): Promise<any>;
  /** A BROADCAST draft with this text; returns its global id. */
  draft(token: string, text: string, kind?: 'BROADCAST'): Promise<string>;
  submit(token: string, deliveryId: string): Promise<any>;
  approve(token: string, deliveryId: string): Promise<any>;
  send(token: string, deliveryId: string, idempotencyKey?: string): Promise<any>;
  /** The delivery's `approval` field (requirement and progress). */
  approval(token: string, deliveryId: string): Promise<any>;
  configure(config: Record<string, unknown>): Promise<any>;
  setEnabled(enabled: boolean): Promise<any>;
  /**
   * After-commit hooks: waits until the committed events are recorded as
   * plugin runs, then runs those due by the fake clock (retries come due
   * after `clock.advance`). Returns how many ran.
   */
  runAfterHooks(): Promise<number>;
  close(): Promise<void>;
};

/** Each error type's own fields; the kit selects those a mutation's result union can hold. */
const ERROR_TYPE_FIELDS: Record<string, string> = {
  ValidationError: 'field maxLength: limit',
  NotFoundError: 'field',
  PluginRejectedError: 'pluginId step reason details',
  PluginFailedError: 'pluginId step failure',
  ApprovalRequiredError: 'required approvals requestedBy',
  ApproverNotEligibleError: 'reason',
  InvalidTransitionError: 'status attempted',
  QuotaExceededError: 'quotaLimit: limit remaining needed',
};

function errorFields(mutation: string): string {
  const field = schema.getMutationType()!.getFields()[mutation];
  if (!field) throw new Error(`no mutation ${mutation}`);
  const union = getNamedType(field.type);
  const members = isUnionType(union) ? union.getTypes().map((t) => t.name) : [];
  const spreads = members.filter((name) => ERROR_TYPE_FIELDS[name]).map((name) => `... on ${name} { ${ERROR_TYPE_FIELDS[name]} }`);
  return `__typename ... on Error { code rule message } ${spreads.join(' ')}`;
}

const DELIVERY_DATA = 'id status revision';

let keys = 0;

/**
 * Starts an app with `plugin` (an id: bundled, or loaded through `env.PLUGINS`)
 * installed with `config` and enabled on a fresh account.
 */
export async function startPluginApp(options: { plugin?: string; config?: Record<string, unknown>; env?: Record<string, string> } = {}): Promise<PluginKit> {
  const app = await createTestApp(options.env);
  try {
    const admin = await signUp(app);
    const accountId = await createAccount(app, admin.token, 'Plugin Kit Cafe');
    const [admin2] = await seedMembers(app, accountId, 1, 'ADMIN');
    const [operator, operator2] = await seedMembers(app, accountId, 2, 'OPERATOR');
    const [drafter] = await seedMembers(app, accountId, 1, 'OPERATOR_NO_SEND');
    const members = { admin, admin2: admin2!, operator: operator!, operator2: operator2!, drafter: drafter! };

    const gql: PluginKit['gql'] = (query, variables, token) => app.gql(query, variables, token);
    const mutate: PluginKit['mutate'] = async (token, name, args, data = DELIVERY_DATA) => {
      const entries = Object.entries(args);
      const params = entries.map(([k, v]) => `$${k}: ${v.type}`).join(', ');
      const list = entries.map(([k]) => `${k}: $${k}`).join(', ');
      const success = `Mutation${name[0]!.toUpperCase()}${name.slice(1)}Success`;
      const res = await app.gql(
        `mutation${params ? `(${params})` : ''} { ${name}${list ? `(${list})` : ''} { ${errorFields(name)} ... on ${success} { data ${data ? `{ ${data} }` : ''} } } }`,
        Object.fromEntries(entries.map(([k, v]) => [k, v.value])),
        token,
      );
      return res.errors ? { errors: res.errors } : res.data[name];
    };
    const id = (value: string) => ({ deliveryId: { type: 'ID!', value } });
    const target = { accountId: { type: 'ID!', value: accountId }, pluginId: { type: 'String!', value: options.plugin } };
    const kit: PluginKit = {
      app,
      clock: app.clock,
      accountId,
      members,
      gql,
      mutate,
      async draft(token, text, kind = 'BROADCAST') {
        const created = await mutate(token, 'createDraft', {
          accountId: { type: 'ID!', value: accountId },
          kind: { type: 'DraftKind!', value: kind },
          title: { type: 'String!', value: 'Kit draft' },
          content: { type: 'MessageContentInput!', value: { text } },
        });
        if (created.__typename !== 'MutationCreateDraftSuccess') throw new Error(`createDraft failed: ${JSON.stringify(created)}`);
        return created.data.id;
      },
      submit: (token, deliveryId) => mutate(token, 'submitDraft', id(deliveryId)),
      approve: (token, deliveryId) => mutate(token, 'approveDelivery', id(deliveryId)),
      send: (token, deliveryId, idempotencyKey = `kit-${process.pid}-${++keys}`) =>
        mutate(token, 'sendDelivery', { ...id(deliveryId), idempotencyKey: { type: 'String!', value: idempotencyKey } }, 'id status recipientCount'),
      async approval(token, deliveryId) {
        const res = await app.gql(
          `query($id: ID!) { node(id: $id) { ... on Delivery { status approval {
            requiredApprovals approvals approvedBy eligibleApprovers roles excludeAuthor satisfied requestedBy
            sources { pluginId policyKey approvals roles excludeAuthor reason } } } } }`,
          { id: deliveryId },
          token,
        );
        if (res.errors) throw new Error(JSON.stringify(res.errors));
        return res.data.node.approval;
      },
      configure: (config) => mutate(admin.token, 'configurePlugin', { ...target, config: { type: 'JSON!', value: config } }, 'pluginId enabled config'),
      setEnabled: (enabled) => mutate(admin.token, enabled ? 'enablePlugin' : 'disablePlugin', target, 'pluginId enabled'),
      async runAfterHooks() {
        await app.events.publisher.idle();
        return app.afterHooks.runDue();
      },
      close: () => app.close(),
    };
    if (options.plugin) {
      const installed = await mutate(admin.token, 'installPlugin', { ...target, config: { type: 'JSON', value: options.config ?? {} } }, 'pluginId enabled');
      if (installed.__typename !== 'MutationInstallPluginSuccess') throw new Error(`installPlugin failed: ${JSON.stringify(installed)}`);
    }
    return kit;
  } catch (error) {
    await app.close();
    throw error;
  }
}
