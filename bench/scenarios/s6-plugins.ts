// S6: every bundled plugin enabled versus none, on the delivery path
// (BENCHMARKS.md S6: target >= 0.9x, stretch >= 0.97x). The bundled plugins
// are two-person-rule, content-check and business-hours (plugins/index.ts);
// the issue speaks of four, but a webhook plugin does not exist yet, so it is
// not measured here.
//
// One Dengon server, one database, two accounts seeded alike (an ADMIN author
// and two OPERATORs with send permission, 10 following friends with chats):
// - plugins-on: installPlugin (disabled) -> configurePlugin -> enablePlugin
//   for two-person-rule { approvals: 2 }, content-check { bannedWords: three
//   words the benchmark text does not contain }, business-hours (and
//   setBusinessHours 00:00-24:00 every day, so every send is inside hours);
// - plugins-off: nothing installed (setBusinessHours too, same account row).
// So the plugins are the only difference. Before any load, checks prove they
// act: a banned word is refused at submit (PLUGIN_REJECTED) on-side only, and
// submit stores a requirement of 2 approvals excluding the author on-side
// (0 off-side), and one approval leaves it PENDING_APPROVAL on-side only.
//
// What is measured, per round, per account (the order alternates by round),
// with BENCH_CONNECTIONS concurrent clients, each phase BENCH_DURATION s:
// 1. workflow: createDraft -> submitDraft -> approveDelivery xN ->
//    sendDelivery (BROADCAST to the 10 friends), N being what the account
//    needs: 2 with two-person-rule (two OPERATORs), 1 without (the delivery is
//    PENDING_APPROVAL with 0 required; one approval makes it APPROVED, a second
//    would be refused). The plugins-on workflow is therefore one request
//    longer BY DESIGN of the rule, so workflows/s is reported only (its
//    ceiling at zero overhead is ~4/5), and the target is applied to the
//    requests/s of that mix (server cost per request, every answer checked).
//    Preceded by BENCH_WARMUP s unmeasured.
// 2. submitDraft alone: drafts made beforehand with SQL (copying the row a
//    real createDraft wrote), then only submitDraft requests are sent: the
//    identical request sequence on both sides.
// 3. sendDelivery alone: the deliveries submitted in 2, made APPROVED with SQL
//    (the approval rows each side needs, untimed), then only sendDelivery
//    requests: again identical on both sides.
// Steps 2 and 3 are the literal issue ("submitting and sending with the
// plugins enabled versus none"): target 0.9 each. A request counts if it
// completed inside the window; a phase whose prepared deliveries run out ends
// early and divides by its own elapsed time. Every answer is parsed and its
// payload type and status checked: a typed error fails the run. Statements
// per request come from the server's own SQL counter (serve.ts), per phase.
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { newToken } from '../../src/auth/token.ts';
import { startServer, type ServerProcess } from '../lib/children.ts';
import { median } from '../lib/load.ts';
import type { Comparison, Measurement, Scenario } from '../lib/scenario.ts';
import { seedChats } from '../lib/seed-chats.ts';

const FRIENDS = 10;
const TITLE = 'S6 winter menu';
const TEXT = 'Winter menu is here: soups, stews and hot chocolate from Monday.';
const BANNED_WORDS = ['casino', 'lottery', 'free money'];
const TARGET = 0.9;
const STRETCH = 0.97;
const TEN_YEARS_MS = 10 * 365 * 24 * 3600 * 1000;
const WEEK = ['MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT', 'SUN'] as const;
/** Drafts prepared per second of BENCH_DURATION for the submit phase (more than a 2-core machine submits). */
const DRAFTS_PER_SEC = 800;

type Member = { userId: string; token: string };
type Side = {
  name: 'plugins-on' | 'plugins-off';
  accountId: string;
  accountGlobalId: string;
  admin: Member;
  /** The members who approve, in order; as many as the account needs. */
  approvers: Member[];
  operators: Member[];
};

const globalId = (type: string, id: string) => Buffer.from(`${type}:${id}`).toString('base64url');
const localId = (gid: string) => Buffer.from(gid, 'base64url').toString('utf8').split(':')[1]!;

/** An account with one ADMIN and two OPERATORs (all with send permission), each with a live token. */
async function seedTeam(pool: pg.Pool, label: string): Promise<Omit<Side, 'name' | 'approvers'>> {
  const accountId = randomUUID();
  const members = ['ADMIN', 'OPERATOR', 'OPERATOR'].map((role, i) => ({ role, userId: randomUUID(), i, ...newToken() }));
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "Account" (id, name, plan, "memberCount", "adminCount", "quotaOverride", "createdAt") VALUES ($1, $2, 'STANDARD', 3, 1, 2000000000, now())`,
      [accountId, `${label} account`],
    );
    for (const m of members) {
      await client.query(`INSERT INTO "User" (id, email, "displayName", "passwordHash", "createdAt") VALUES ($1, $2, $3, 'not-a-password-hash', now())`, [
        m.userId,
        `${label}-${m.i}@example.test`,
        `${label} member ${m.i}`,
      ]);
      await client.query(`INSERT INTO "Member" ("accountId", "userId", role, "createdAt") VALUES ($1, $2, $3::"Role", now() - ($4::int * interval '1 second'))`, [
        accountId,
        m.userId,
        m.role,
        10 - m.i,
      ]);
      await client.query(`INSERT INTO "AccessToken" ("userId", "tokenHash", "createdAt", "expiresAt") VALUES ($1, $2, now(), $3)`, [
        m.userId,
        m.hash,
        new Date(Date.now() + TEN_YEARS_MS),
      ]);
    }
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
  const [admin, op1, op2] = members.map((m) => ({ userId: m.userId, token: m.token }));
  return { accountId, accountGlobalId: globalId('Account', accountId), admin: admin!, operators: [op1!, op2!] };
}

type Payload = { __typename?: string; data?: Record<string, unknown>; code?: string; message?: string; [key: string]: unknown };

/** One GraphQL mutation; returns the payload of `field`, or throws on HTTP or top-level errors. */
async function call(server: ServerProcess, token: string, field: string, query: string, variables: Record<string, unknown>): Promise<Payload> {
  const response = await fetch(`${server.origin}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
    signal: AbortSignal.timeout(10_000),
  });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`${field}: HTTP ${response.status}: ${text.slice(0, 300)}`);
  const body = JSON.parse(text) as { data?: Record<string, Payload | null>; errors?: unknown };
  if (body.errors) throw new Error(`${field}: errors ${JSON.stringify(body.errors).slice(0, 300)}`);
  const payload = body.data?.[field];
  if (!payload) throw new Error(`${field}: no payload in ${text.slice(0, 300)}`);
  return payload;
}

/** The success payload's data, or throws naming the typed error: a refused step is never throughput. */
function expectSuccess(payload: Payload, field: string, check: (data: Record<string, unknown>) => boolean): Record<string, unknown> {
  const success = `Mutation${field[0]!.toUpperCase()}${field.slice(1)}Success`;
  if (payload.__typename !== success || !payload.data || !check(payload.data)) {
    throw new Error(`${field}: expected ${success}, got ${JSON.stringify(payload).slice(0, 400)}`);
  }
  return payload.data;
}

const ERROR = '... on Error { code message }';
const Q = {
  createDraft: `mutation($a: ID!, $t: String!, $x: String!) { createDraft(accountId: $a, kind: BROADCAST, title: $t, content: { text: $x }) { __typename ... on MutationCreateDraftSuccess { data { id status } } ${ERROR} } }`,
  submitDraft: `mutation($d: ID!) { submitDraft(deliveryId: $d) { __typename ... on MutationSubmitDraftSuccess { data { id status } } ... on PluginRejectedError { pluginId reason } ${ERROR} } }`,
  approveDelivery: `mutation($d: ID!) { approveDelivery(deliveryId: $d) { __typename ... on MutationApproveDeliverySuccess { data { id status } } ${ERROR} } }`,
  sendDelivery: `mutation($d: ID!, $k: String!) { sendDelivery(deliveryId: $d, idempotencyKey: $k) { __typename ... on MutationSendDeliverySuccess { data { id status recipientCount } } ... on ApprovalRequiredError { required approvals requestedBy } ${ERROR} } }`,
};

const steps = {
  async createDraft(server: ServerProcess, side: Side, text = TEXT): Promise<string> {
    const payload = await call(server, side.admin.token, 'createDraft', Q.createDraft, { a: side.accountGlobalId, t: TITLE, x: text });
    return expectSuccess(payload, 'createDraft', (d) => d.status === 'DRAFT' && typeof d.id === 'string').id as string;
  },
  async submitDraft(server: ServerProcess, side: Side, id: string): Promise<void> {
    const payload = await call(server, side.admin.token, 'submitDraft', Q.submitDraft, { d: id });
    expectSuccess(payload, 'submitDraft', (d) => d.status === 'PENDING_APPROVAL' && d.id === id);
  },
  async approve(server: ServerProcess, approver: Member, id: string, last: boolean): Promise<void> {
    const payload = await call(server, approver.token, 'approveDelivery', Q.approveDelivery, { d: id });
    expectSuccess(payload, 'approveDelivery', (d) => d.status === (last ? 'APPROVED' : 'PENDING_APPROVAL') && d.id === id);
  },
  async send(server: ServerProcess, side: Side, id: string): Promise<void> {
    const payload = await call(server, side.admin.token, 'sendDelivery', Q.sendDelivery, { d: id, k: randomUUID() });
    expectSuccess(payload, 'sendDelivery', (d) => d.status === 'SENT' && d.recipientCount === FRIENDS && d.id === id);
  },
};

/** The whole workflow; returns how many requests it made. */
async function workflow(server: ServerProcess, side: Side, onRequest: (ms: number) => void): Promise<void> {
  const timed = async <T>(fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    const result = await fn();
    onRequest(performance.now() - t0);
    return result;
  };
  const id = await timed(() => steps.createDraft(server, side));
  await timed(() => steps.submitDraft(server, side, id));
  for (const [i, approver] of side.approvers.entries()) await timed(() => steps.approve(server, approver, id, i === side.approvers.length - 1));
  await timed(() => steps.send(server, side, id));
}

function percentile(values: number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]! * 10) / 10;
}

type PhaseRun = { perSec: number; units: number; p50Ms: number; p99Ms: number; sqlPerRequest: number; requestsPerSec?: number; requestP99Ms?: number };

/**
 * `concurrency` clients loop over `one` for `seconds` (or until `pool` runs
 * out). Counts what completed inside the window; any failure stops every
 * client and fails the phase.
 */
async function drive(
  server: ServerProcess,
  seconds: number,
  concurrency: number,
  one: (i: number, onRequest: (ms: number) => void) => Promise<void>,
  requestsPerUnit: number,
  poolSize = Number.POSITIVE_INFINITY,
  warmUp = false,
): Promise<PhaseRun & { completedIds: number[] }> {
  const before = (await server.call({ type: 'stats' })).sqlCount ?? 0;
  const start = performance.now();
  const deadline = start + seconds * 1000;
  let next = 0;
  let failed: unknown;
  let lastEnd = start;
  const unitMs: number[] = [];
  const requestMs: number[] = [];
  let requestsInWindow = 0;
  let requestsSent = 0;
  const completedIds: number[] = [];
  const client = async () => {
    while (failed === undefined && performance.now() < deadline && next < poolSize) {
      const i = next++;
      const t0 = performance.now();
      try {
        await one(i, (ms) => {
          requestsSent++;
          if (performance.now() <= deadline) {
            requestsInWindow++;
            requestMs.push(ms);
          }
        });
      } catch (error) {
        failed ??= error;
        return;
      }
      const end = performance.now();
      completedIds.push(i);
      if (end <= deadline) {
        unitMs.push(end - t0);
        lastEnd = end;
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, client));
  if (failed !== undefined) throw failed;
  const after = (await server.call({ type: 'stats' })).sqlCount ?? 0;
  // Ran out of prepared deliveries before the deadline: divide by the time actually used.
  const elapsedSec = ((next >= poolSize ? lastEnd : deadline) - start) / 1000;
  if (unitMs.length === 0 && !warmUp) throw new Error(`nothing completed inside the ${seconds} s window (${completedIds.length} after it)`);
  return {
    perSec: unitMs.length / elapsedSec,
    units: unitMs.length,
    p50Ms: percentile(unitMs, 50),
    p99Ms: percentile(unitMs, 99),
    sqlPerRequest: Math.round(((after - before) / (requestsSent || 1)) * 100) / 100,
    ...(requestsPerUnit > 1 ? { requestsPerSec: requestsInWindow / elapsedSec, requestP99Ms: percentile(requestMs, 99) } : {}),
    completedIds,
  };
}

/** `count` drafts like the one a real createDraft wrote (`templateId`), in one statement. */
async function prepareDrafts(pool: pg.Pool, templateId: string, count: number): Promise<string[]> {
  const { rows } = await pool.query<{ id: string }>(
    `INSERT INTO "Delivery" ("accountId", kind, title, "contentType", content, status, revision, "authorUserId", "createdAt", "updatedAt")
     SELECT t."accountId", t.kind, t.title, t."contentType", t.content, 'DRAFT', 1, t."authorUserId", now(), now()
       FROM "Delivery" t CROSS JOIN generate_series(1, $2::int) WHERE t.id = $1 RETURNING id`,
    [templateId, count],
  );
  if (rows.length !== count) throw new Error(`prepared ${rows.length} drafts instead of ${count}`);
  return rows.map((r) => r.id);
}

/** What approveDelivery leaves behind (approval rows of revision 1, APPROVED), for submitted deliveries. */
async function approveWithSql(pool: pg.Pool, ids: string[], approvers: Member[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query(
      `INSERT INTO "DeliveryApproval" ("deliveryId", revision, "userId", "createdAt") SELECT d, 1, u, now() FROM unnest($1::uuid[]) d CROSS JOIN unnest($2::uuid[]) u`,
      [ids, approvers.map((a) => a.userId)],
    );
    const updated = await client.query(`UPDATE "Delivery" SET status = 'APPROVED', "updatedAt" = now() WHERE id = ANY($1::uuid[]) AND status = 'PENDING_APPROVAL'`, [ids]);
    if (updated.rowCount !== ids.length) throw new Error(`approved ${updated.rowCount} of ${ids.length} submitted deliveries`);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function setUpPlugins(server: ServerProcess, side: Side): Promise<void> {
  const admin = side.admin.token;
  const a = side.accountGlobalId;
  const hours = WEEK.map((day) => ({ day, open: '00:00', close: '24:00' }));
  expectSuccess(
    await call(server, admin, 'setBusinessHours', `mutation($a: ID!, $h: [BusinessHoursIntervalInput!]!) { setBusinessHours(accountId: $a, hours: $h, timeZone: "Europe/Paris") { __typename ... on MutationSetBusinessHoursSuccess { data { id } } ${ERROR} } }`, { a, h: hours }),
    'setBusinessHours',
    () => true,
  );
  if (side.name === 'plugins-off') return;
  const configs: Record<string, unknown> = {
    'two-person-rule': { approvals: 2 },
    'content-check': { bannedWords: BANNED_WORDS },
    'business-hours': { whenUnset: 'refuse' },
  };
  const installation = '{ __typename ... on %S { data { pluginId enabled config } } ... on ValidationError { field message } ' + ERROR + ' }';
  for (const [pluginId, config] of Object.entries(configs)) {
    const installed = await call(server, admin, 'installPlugin',
      `mutation($a: ID!, $p: String!) { installPlugin(accountId: $a, pluginId: $p, enabled: false) ${installation.replace('%S', 'MutationInstallPluginSuccess')} }`, { a, p: pluginId });
    expectSuccess(installed, 'installPlugin', (d) => d.pluginId === pluginId && d.enabled === false);
    const configured = await call(server, admin, 'configurePlugin',
      `mutation($a: ID!, $p: String!, $c: JSON!) { configurePlugin(accountId: $a, pluginId: $p, config: $c) ${installation.replace('%S', 'MutationConfigurePluginSuccess')} }`, { a, p: pluginId, c: config });
    expectSuccess(configured, 'configurePlugin', (d) => JSON.stringify({ ...(d.config as object), ...(config as object) }) === JSON.stringify(d.config));
    const enabled = await call(server, admin, 'enablePlugin',
      `mutation($a: ID!, $p: String!) { enablePlugin(accountId: $a, pluginId: $p) ${installation.replace('%S', 'MutationEnablePluginSuccess')} }`, { a, p: pluginId });
    expectSuccess(enabled, 'enablePlugin', (d) => d.pluginId === pluginId && d.enabled === true);
  }
}

/**
 * Proves the plugins act on one account and not on the other, and traces the
 * SQL of one request of each step. Returns a real createDraft's delivery id
 * (the template for prepared drafts) and the traced statement counts.
 */
async function checkAndTrace(server: ServerProcess, pool: pg.Pool, side: Side): Promise<{ templateId: string; statements: Record<string, number>; sql: Record<string, string[]> }> {
  const on = side.name === 'plugins-on';
  // content-check: a banned word is refused at submit, with the plugin named.
  const banned = await steps.createDraft(server, side, `${TEXT} Try our casino night!`);
  const refused = await call(server, side.admin.token, 'submitDraft', Q.submitDraft, { d: banned });
  if (on ? refused.__typename !== 'PluginRejectedError' || refused.pluginId !== 'content-check' : refused.__typename !== 'MutationSubmitDraftSuccess') {
    throw new Error(`${side.name}: submit of a banned word: ${JSON.stringify(refused)}`);
  }

  const statements: Record<string, number> = {};
  const sql: Record<string, string[]> = {};
  const traced = async (name: string, fn: () => Promise<unknown>) => {
    await server.call({ type: 'trace', on: true });
    try {
      await fn();
    } finally {
      const list = (await server.call({ type: 'trace', on: false })).statements ?? [];
      statements[name] = list.length;
      sql[name] = list;
    }
  };
  // A warm request first, so the traces do not carry first-call work.
  await workflow(server, side, () => {});
  let id = '';
  await traced('createDraft', async () => (id = await steps.createDraft(server, side)));
  await traced('submitDraft', () => steps.submitDraft(server, side, id));
  for (const [i, approver] of side.approvers.entries()) {
    // two-person-rule: after the first of two approvals the delivery is still PENDING_APPROVAL (steps.approve checks it).
    await traced(`approveDelivery#${i + 1}`, () => steps.approve(server, approver, id, i === side.approvers.length - 1));
  }
  const stored = await pool.query<{ requiredApprovals: number; excludeAuthor: boolean }>(
    `SELECT "requiredApprovals", "excludeAuthor" FROM "ApprovalRequest" WHERE "deliveryId" = $1`,
    [localId(id)],
  );
  const want = on ? { requiredApprovals: 2, excludeAuthor: true } : { requiredApprovals: 0, excludeAuthor: false };
  if (JSON.stringify(stored.rows) !== JSON.stringify([want])) throw new Error(`${side.name}: stored requirement ${JSON.stringify(stored.rows)}, expected ${JSON.stringify(want)}`);
  await traced('sendDelivery', () => steps.send(server, side, id));
  return { templateId: localId(id), statements, sql };
}

export const s6Plugins: Scenario = {
  id: 'S6',
  title: 'bundled plugins on vs off',
  estimateSec: (options) => 60 + 2 * options.rounds * (options.warmupSec + 3 * options.durationSec + 3),
  async run(ctx) {
    const { pool } = ctx.db;
    const { log, options } = ctx;
    const teams = { on: await seedTeam(pool, 's6-on'), off: await seedTeam(pool, 's6-off') };
    for (const team of Object.values(teams)) await seedChats(pool, team.accountId, FRIENDS);
    const sides: Side[] = [
      { name: 'plugins-on', ...teams.on, approvers: teams.on.operators },
      { name: 'plugins-off', ...teams.off, approvers: teams.off.operators.slice(0, 1) },
    ];

    log(`S6 ${this.title}: starting dengon (two accounts: plugins on, plugins off; ${FRIENDS} friends each)`);
    const server = await startServer('dengon', 'bench/servers/dengon.ts', { NODE_ENV: 'production', DATABASE_URL: ctx.db.url, LOG_LEVEL: 'silent' });
    try {
      const checked: Record<string, Awaited<ReturnType<typeof checkAndTrace>>> = {};
      for (const side of sides) {
        await setUpPlugins(server, side);
        checked[side.name] = await checkAndTrace(server, pool, side);
        log(`  ${side.name}: SQL statements for one request: ${Object.entries(checked[side.name]!.statements).map(([k, v]) => `${k} ${v}`).join(', ')}`);
      }

      type Figures = { workflows: PhaseRun[]; submit: PhaseRun[]; send: PhaseRun[] };
      const figures: Record<string, Figures> = Object.fromEntries(sides.map((s) => [s.name, { workflows: [], submit: [], send: [] }]));
      const c = options.connections;
      const drafts = DRAFTS_PER_SEC * options.durationSec;
      for (let round = 0; round < options.rounds; round++) {
        const order = round % 2 === 0 ? sides : [...sides].reverse();
        for (const side of order) {
          const f = figures[side.name]!;
          const perWorkflow = 3 + side.approvers.length;
          const template = checked[side.name]!.templateId;
          const ids = await prepareDrafts(pool, template, drafts);
          if (options.warmupSec > 0) await drive(server, options.warmupSec, c, (_i, onRequest) => workflow(server, side, onRequest), perWorkflow, undefined, true);
          const wf = await drive(server, options.durationSec, c, (_i, onRequest) => workflow(server, side, onRequest), perWorkflow);
          const gids = ids.map((id) => globalId('Delivery', id));
          const submit = await drive(server, options.durationSec, c, async (i, onRequest) => {
            const t0 = performance.now();
            await steps.submitDraft(server, side, gids[i]!);
            onRequest(performance.now() - t0);
          }, 1, gids.length);
          const submitted = submit.completedIds.map((i) => ids[i]!);
          await approveWithSql(pool, submitted, side.approvers);
          const send = await drive(server, options.durationSec, c, async (i, onRequest) => {
            const t0 = performance.now();
            await steps.send(server, side, globalId('Delivery', submitted[i]!));
            onRequest(performance.now() - t0);
          }, 1, submitted.length);
          f.workflows.push(wf);
          f.submit.push(submit);
          f.send.push(send);
          log(
            `  round ${round + 1}/${options.rounds}  ${side.name.padEnd(11)} workflow ${wf.perSec.toFixed(1)}/s (${Math.round(wf.requestsPerSec!)} req/s, p99 ${wf.p99Ms} ms, ${wf.sqlPerRequest} SQL/req)` +
              `  submit ${Math.round(submit.perSec)}/s (p99 ${submit.p99Ms} ms, ${submit.sqlPerRequest} SQL)` +
              `  send ${Math.round(send.perSec)}/s (p99 ${send.p99Ms} ms, ${send.sqlPerRequest} SQL)` +
              (submit.completedIds.length >= ids.length ? '  [submit pool ran out]' : '') +
              (send.completedIds.length >= submitted.length ? '  [send pool ran out]' : ''),
          );
        }
      }

      // After the load: every delivery the clients saw SENT has its 10 recipients, and no send is left half-done.
      for (const side of sides) {
        const { rows } = await pool.query<{ sent: number; recipients: number; stuck: number }>(
          `SELECT count(*) FILTER (WHERE status = 'SENT')::int AS sent, count(*) FILTER (WHERE status = 'SENDING')::int AS stuck,
                  (SELECT count(*)::int FROM "DeliveryRecipient" r JOIN "Delivery" d ON d.id = r."deliveryId" WHERE d."accountId" = $1) AS recipients
             FROM "Delivery" WHERE "accountId" = $1`,
          [side.accountId],
        );
        const r = rows[0]!;
        if (r.stuck !== 0 || r.recipients !== r.sent * FRIENDS) throw new Error(`S6 ${side.name}: ${r.sent} sent, ${r.stuck} still SENDING, ${r.recipients} recipients`);
        log(`  ${side.name}: ${r.sent} deliveries sent, ${r.recipients} recipient rows`);
      }

      const measure = (name: string, unit: string, runs: PhaseRun[], value: (r: PhaseRun) => number, p99: (r: PhaseRun) => number): Measurement => ({
        contender: name,
        unit,
        rounds: runs.map((r) => ({ value: value(r), p50Ms: r.p50Ms, p99Ms: p99(r), requests: r.units })),
        median: median(runs.map(value)),
        medianP99Ms: median(runs.map(p99)),
        sqlPerRequest: median(runs.map((r) => r.sqlPerRequest)),
      });
      const measurements: Measurement[] = [];
      const comparisons: Comparison[] = [];
      const compare = (label: string, unit: string, pick: (f: Figures) => PhaseRun[], value: (r: PhaseRun) => number, p99: (r: PhaseRun) => number, target: number | null) => {
        const [on, off] = sides.map((s) => measure(`${s.name} ${label}`, unit, pick(figures[s.name]!), value, p99));
        measurements.push(on!, off!);
        const ratio = on!.median / off!.median;
        comparisons.push({
          name: `S6 ${label} plugins on vs off`,
          subject: on!.contender,
          baseline: off!.contender,
          unit,
          subjectValue: on!.median,
          baselineValue: off!.median,
          ratio,
          target,
          met: target === null ? null : ratio >= target,
          subjectP99Ms: on!.medianP99Ms!,
          baselineP99Ms: off!.medianP99Ms!,
        });
      };
      compare('workflow requests', 'req/s', (f) => f.workflows, (r) => r.requestsPerSec!, (r) => r.requestP99Ms!, TARGET);
      compare('workflows', 'workflows/s', (f) => f.workflows, (r) => r.perSec, (r) => r.p99Ms, null);
      compare('submitDraft', 'req/s', (f) => f.submit, (r) => r.perSec, (r) => r.p99Ms, TARGET);
      compare('sendDelivery', 'req/s', (f) => f.send, (r) => r.perSec, (r) => r.p99Ms, TARGET);
      for (const c of comparisons) if (c.target !== null && c.ratio < STRETCH) log(`  ${c.name}: ${c.ratio.toFixed(2)}x, stretch target ${STRETCH}x not reached`);

      return {
        id: 'S6',
        title: this.title,
        measurements,
        comparisons,
        notes: {
          plugins: ['two-person-rule { approvals: 2 }', `content-check { bannedWords: ${JSON.stringify(BANNED_WORDS)} }`, 'business-hours (every day 00:00-24:00)'],
          missing: 'webhook plugin: not written yet',
          friendsPerDelivery: FRIENDS,
          approvalsPerWorkflow: Object.fromEntries(sides.map((s) => [s.name, s.approvers.length])),
          stretchTarget: STRETCH,
          sqlForOneRequest: Object.fromEntries(sides.map((s) => [s.name, checked[s.name]!.statements])),
          sqlTexts: Object.fromEntries(sides.map((s) => [s.name, checked[s.name]!.sql])),
        },
      };
    } finally {
      await server.stop();
    }
  },
};
