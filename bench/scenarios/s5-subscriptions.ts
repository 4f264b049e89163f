// S5: live chat events over graphql-ws, two Dengon instances sharing Redis,
// against two bare `ws` servers fed by Redis (bench/baselines/ws-redis.ts)
// sending the same frames. BENCH_SUBSCRIBERS members' dashboards (default
// 1,000) subscribe to chatEvents of their account, half on each instance;
// accounts have BENCH_SUBSCRIBERS_PER_ACCOUNT subscribers each (default 100:
// one dashboard per member of a full account; up to 1,000 = ten tabs each).
// One chat message every 10 ms, round-robin over the accounts and their chats,
// sent through Dengon's sendChatMessage (alternating instances), or published
// to Redis for the baseline. Measured: frames received per second, latency
// from the event's occurredAt (inside the sending transaction) to receipt,
// and server RSS per 1,000 subscribers.
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { cpuProfileArgs, type ServerProcess, startServer } from '../lib/children.ts';
import { median } from '../lib/load.ts';
import type { Comparison, Measurement, Scenario } from '../lib/scenario.ts';
import { seedAccount, seedMemberTokens } from '../lib/seed.ts';
import { seedChats } from '../lib/seed-chats.ts';
import { startSubscribers, type Subscribers } from '../lib/subscribers.ts';
import { BASELINE_CHANNEL_PREFIX, NEXT_PREFIX, type SubscriberSpec, type SubscribersReport } from '../lib/subscribers-protocol.ts';

const INTERVAL_MS = 10;
const CHATS_PER_ACCOUNT = 100;
const TEXT = 'Thanks for your message! We will get back to you shortly.';
const DRAIN_TIMEOUT_MS = 60_000;
const SEND =
  'mutation($chat: ID!, $c: MessageContentInput!, $k: String!) { sendChatMessage(chatId: $chat, content: $c, idempotencyKey: $k) ' +
  '{ __typename ... on Error { code message } } }';
const SUBSCRIPTION =
  'subscription($a: ID!) { chatEvents(accountId: $a) { id kind occurredAt chat { id unreadCount } ' +
  'message { id direction sentAt content { __typename ... on TextContent { text } } } } }';

function positiveInt(name: string, fallback: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`${name} must be an integer from 1 to ${max}, got "${text}"`);
  return value;
}

/** Subscribers in total and per account (at most 100 members x 10 connections per token). */
function layout() {
  const subscribers = positiveInt('BENCH_SUBSCRIBERS', 1_000, 100_000);
  const perAccount = Math.min(subscribers, positiveInt('BENCH_SUBSCRIBERS_PER_ACCOUNT', 100, 1_000));
  return { subscribers, perAccount, accounts: Math.ceil(subscribers / perAccount) };
}

const redisUrl = () => process.env.REDIS_URL || 'redis://127.0.0.1:6379';

type Account = { accountId: string; accountGlobalId: string; adminToken: string; chatGlobalIds: string[]; memberTokens: string[] };

/** Sends `count` messages at one per INTERVAL_MS (paced on absolute time), message n to account n mod accounts. */
async function produce(
  count: number,
  first: number,
  send: (n: number) => Promise<void>,
): Promise<{ startedAt: number; errors: string[]; sendMs: number[]; endedAt: number }> {
  const startedAt = Date.now();
  const inFlight: Array<Promise<void>> = [];
  const errors: string[] = [];
  const sendMs: number[] = [];
  for (let i = 0; i < count; i++) {
    const wait = startedAt + i * INTERVAL_MS - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const at = performance.now();
    inFlight.push(
      send(first + i).then(
        () => void sendMs.push(performance.now() - at),
        (error: unknown) => void errors.push(error instanceof Error ? error.message : String(error)),
      ),
    );
  }
  await Promise.all(inFlight);
  return { startedAt, errors, sendMs: sendMs.sort((a, b) => a - b), endedAt: Date.now() };
}

/** Waits until the subscribers received `expected` frames in all, or nothing moved for a while. */
async function drain(subscribers: Subscribers, expected: number): Promise<SubscribersReport> {
  const deadline = Date.now() + DRAIN_TIMEOUT_MS;
  let last = -1;
  let still = 0;
  for (;;) {
    const report = await subscribers.report();
    const total = report.received.reduce((a, b) => a + b, 0);
    if (total >= expected || Date.now() > deadline || report.closed > 0) return report;
    still = total === last ? still + 1 : 0;
    if (still >= 20) return report; // 5 s without a frame
    last = total;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

type Contender = {
  name: string;
  servers: ServerProcess[];
  specs(accounts: Account[]): SubscriberSpec[];
  send(n: number): Promise<void>;
};

export const s5Subscriptions: Scenario = {
  id: 'S5',
  title: 'chatEvents over graphql-ws, 2 instances via Redis',
  estimateSec: (options) => {
    const { accounts } = layout();
    return 90 + accounts * 2 + options.rounds * 2 * (30 + options.warmupSec + options.durationSec);
  },
  async run(ctx) {
    const { subscribers: total, perAccount, accounts: accountCount } = layout();
    const { log, db, options } = ctx;
    const redis = new Redis(redisUrl(), { maxRetriesPerRequest: 1, lazyConnect: true });
    await redis.connect().catch((error: unknown) => {
      throw new Error(`S5 needs Redis at ${redisUrl()} (REDIS_URL): ${error instanceof Error ? error.message : String(error)}`);
    });

    log(`S5: seeding ${accountCount} account(s) x 100 members, ${CHATS_PER_ACCOUNT} chats each`);
    const accounts: Account[] = [];
    for (let i = 0; i < accountCount; i++) {
      const seeded = await seedAccount(db.pool, 100, `s5-${i}`);
      const { chatGlobalIds } = await seedChats(db.pool, seeded.accountId, CHATS_PER_ACCOUNT);
      const tokens = await seedMemberTokens(db.pool, seeded.accountId);
      accounts.push({ ...seeded, chatGlobalIds, memberTokens: tokens.map((t) => t.token) });
    }

    const env = { NODE_ENV: 'production', DATABASE_URL: db.url, REDIS_URL: redisUrl(), LOG_LEVEL: 'silent' };
    // BENCH_CPU_PROF=dengon (or ws-redis) profiles the first instance of that contender.
    // Memory once connected is read after a full GC on both sides of the
    // connect, so the previous round's garbage does not count (or go negative).
    const GC = ['--expose-gc'];
    const profile = (name: string) => (options.cpuProfile.includes(name) ? cpuProfileArgs(`${name}-a`) : []);
    const servers = await Promise.all([
      startServer('dengon-a', 'bench/servers/dengon.ts', env, [...GC, ...profile('dengon')]),
      startServer('dengon-b', 'bench/servers/dengon.ts', env, GC),
      startServer('ws-redis-a', 'bench/baselines/ws-redis.ts', env, [...GC, ...profile('ws-redis')]),
      startServer('ws-redis-b', 'bench/baselines/ws-redis.ts', env, GC),
    ]);
    const wsUrl = (server: ServerProcess) => `${server.origin.replace('http', 'ws')}/graphql`;
    const run = randomUUID();
    let template: Record<string, unknown> | null = null;

    // Subscriber k of an account is member k mod 100 (tabs beyond 100), on instance k mod 2.
    const spread = (accountsList: Account[], make: (account: Account, a: number, k: number, server: number) => SubscriberSpec) =>
      Array.from({ length: total }, (_, i) => {
        const a = Math.floor(i / perAccount);
        const k = i % perAccount;
        return make(accountsList[a]!, a, k, k % 2);
      });

    const dengon: Contender = {
      name: 'dengon',
      servers: servers.slice(0, 2),
      specs: (list) =>
        spread(list, (account, a, k, s) => ({
          url: wsUrl(servers[s]!),
          protocol: 'graphql-ws',
          account: a,
          authorization: `Bearer ${account.memberTokens[k % account.memberTokens.length]}`,
          query: SUBSCRIPTION,
          variables: { a: account.accountGlobalId },
        })),
      async send(n) {
        const account = accounts[n % accountCount]!;
        const chat = account.chatGlobalIds[Math.floor(n / accountCount) % CHATS_PER_ACCOUNT]!;
        const response = await fetch(`${servers[n % 2]!.origin}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${account.adminToken}` },
          body: JSON.stringify({ query: SEND, variables: { chat, c: { text: TEXT }, k: `${run}-${n}` } }),
        });
        const body = await response.text();
        if (!body.includes('"__typename":"MutationSendChatMessageSuccess"')) throw new Error(`sendChatMessage: HTTP ${response.status} ${body.slice(0, 300)}`);
      },
    };
    const baseline: Contender = {
      name: 'ws-redis',
      servers: servers.slice(2),
      specs: (list) => spread(list, (_account, a, _k, s) => ({ url: wsUrl(servers[2 + s]!), protocol: 'raw', account: a, join: String(a) })),
      async send(n) {
        // Dengon's own frame for such a message, with this message's ids and time.
        const event = structuredClone(template!) as { id: string; occurredAt: string; message: { id: string; sentAt: string } };
        const now = new Date().toISOString();
        Object.assign(event, { id: randomUUID(), occurredAt: now });
        Object.assign(event.message, { id: Buffer.from(`Message:${randomUUID()}`).toString('base64url'), sentAt: now });
        const frame = `${NEXT_PREFIX}${JSON.stringify({ data: { chatEvents: event } })}}`;
        await redis.publish(`${BASELINE_CHANNEL_PREFIX}${n % accountCount}`, frame);
      },
    };

    let produced = 0;
    try {
      // Check: a message sent through instance A reaches a subscriber on B (and on A) with its content.
      // Message n goes to account n mod accounts: the check needs the first account.
      const sendToFirstAccount = () => {
        const n = Math.ceil(produced / accountCount) * accountCount;
        produced = n + 1;
        return dengon.send(n);
      };
      template = await checkDengon(dengon, accounts[0]!, sendToFirstAccount);
      log(`  S5: a message sent through one instance reached subscribers on both; event ${JSON.stringify(template).length} bytes`);

      const results = new Map<string, { rounds: Measurement['rounds']; rssPer1k: number[]; idlePer1k: number[]; livePer1k: number[]; p50: number[] }>();
      for (const c of [dengon, baseline]) results.set(c.name, { rounds: [], rssPer1k: [], idlePer1k: [], livePer1k: [], p50: [] });
      for (let round = 0; round < options.rounds; round++) {
        for (const contender of round % 2 === 0 ? [dengon, baseline] : [baseline, dengon]) {
          const before = await Promise.all(contender.servers.map((s) => s.call({ type: 'stats', settle: true })));
          const subscribers = startSubscribers();
          try {
            const specs = contender.specs(accounts);
            await subscribers.connect(specs);
            // Connected and subscribed, nothing sent yet: what holding the subscribers costs.
            const connected = await Promise.all(contender.servers.map((s) => s.call({ type: 'stats', settle: true })));
            const idleGrowth = connected.reduce((sum, a, i) => sum + ((a.rssBytes ?? 0) - (before[i]!.rssBytes ?? 0)), 0);
            const liveGrowth = connected.reduce((sum, a, i) => sum + ((a.liveBytes ?? 0) - (before[i]!.liveBytes ?? 0)), 0);
            // Warm-up: every account gets messages until every subscriber has one (proves it live).
            const warm = Math.max(accountCount, options.warmupSec * (1000 / INTERVAL_MS));
            const warmRun = await produce(warm, produced, (n) => contender.send(n));
            produced += warm;
            if (warmRun.errors.length) throw new Error(`S5 ${contender.name} warm-up: ${warmRun.errors[0]}`);
            const warmed = await drain(subscribers, expectedTotal(warm, perAccount, accountCount, total));
            const silent = warmed.received.findIndex((n) => n === 0);
            if (silent >= 0) throw new Error(`S5 ${contender.name}: subscriber ${silent} received nothing in the warm-up (${describe(warmed)})`);
            await subscribers.reset();
            const measuredFrom = await Promise.all(contender.servers.map((s) => s.call({ type: 'stats' })));
            const measuredAt = Date.now();

            const count = options.durationSec * (1000 / INTERVAL_MS);
            const first = produced;
            const { startedAt, errors, sendMs, endedAt } = await produce(count, first, (n) => contender.send(n));
            produced += count;
            if (errors.length) throw new Error(`S5 ${contender.name}: ${errors.length} sends failed: ${errors[0]}`);
            const report = await drain(subscribers, expectedTotal(count, perAccount, accountCount, total));
            verifyEveryFrame(contender.name, report, specs, count, first, accountCount);
            const frames = report.received.reduce((a, b) => a + b, 0);
            const seconds = (report.lastAt - startedAt) / 1000;
            const sorted = Float64Array.from(report.latenciesMs).sort();
            const p50 = percentile([...sorted], 50);
            const p99 = percentile([...sorted], 99);
            const after = await Promise.all(contender.servers.map((s) => s.call({ type: 'stats' })));
            const grown = after.reduce((sum, a, i) => sum + ((a.rssBytes ?? 0) - (before[i]!.rssBytes ?? 0)), 0);
            // What both instances sent to the database while measured (sends, publishing, subscribers' loads), per message.
            const sql = after.reduce((sum, a, i) => sum + ((a.sqlCount ?? 0) - (measuredFrom[i]!.sqlCount ?? 0)), 0) / count;
            // Busy share of one core per instance while measured: near 100 means that instance was the limit.
            const busy = after.map((a, i) => `${Math.round(((a.cpuMicros ?? 0) - (measuredFrom[i]!.cpuMicros ?? 0)) / 10 / (Date.now() - measuredAt))}%`);
            const entry = results.get(contender.name)!;
            entry.rounds.push({ value: frames / seconds, p50Ms: p50, p99Ms: p99, requests: frames });
            // RSS only from each contender's first round: afterwards the OS
            // gets back an earlier round's heap while subscribers connect, and
            // growth comes out negative. The GC-settled live heap holds in every round.
            if (round === 0) {
              entry.rssPer1k.push(grown / 1e6 / (total / 1000));
              entry.idlePer1k.push(idleGrowth / 1e6 / (total / 1000));
            }
            entry.livePer1k.push(liveGrowth / 1e6 / (total / 1000));
            ctx.log(
              `  round ${round + 1}/${options.rounds}  ${contender.name.padEnd(9)} ${Math.round(frames / seconds)} frames/s` +
                `  p50 ${p50} ms  p99 ${p99} ms  (${frames} frames in ${seconds.toFixed(2)} s; RSS +${(idleGrowth / 1e6).toFixed(1)} MB (live heap +${(liveGrowth / 1e6).toFixed(1)} MB) once connected, +${(grown / 1e6).toFixed(1)} MB after the load; ${sql.toFixed(1)} SQL/message;` +
                ` sends took p50 ${Math.round(percentile(sendMs, 50))} ms p99 ${Math.round(percentile(sendMs, 99))} ms, the last answered after ${((endedAt - startedAt) / 1000).toFixed(2)} s; CPU ${busy.join(' ')})`,
            );
          } finally {
            await subscribers.stop();
          }
        }
      }

      const measurements: Measurement[] = [dengon, baseline].map((c) => {
        const { rounds, rssPer1k } = results.get(c.name)!;
        return {
          contender: c.name,
          unit: 'frames/s',
          rounds,
          median: median(rounds.map((r) => r.value)),
          medianP99Ms: median(rounds.map((r) => r.p99Ms ?? Number.NaN)),
          rssMb: Math.round(median(rssPer1k) * 10) / 10,
        };
      });
      const [subject, base] = measurements as [Measurement, Measurement];
      const ratio = subject.median / base.median;
      const comparison: Comparison = {
        name: `S5 ${total} subscribers (${perAccount}/account) vs ws-redis`,
        subject: 'dengon',
        baseline: 'ws-redis',
        unit: 'frames/s',
        subjectValue: subject.median,
        baselineValue: base.median,
        ratio,
        target: 0.5,
        met: ratio >= 0.5,
        ...(subject.medianP99Ms === undefined ? {} : { subjectP99Ms: subject.medianP99Ms }),
        ...(base.medianP99Ms === undefined ? {} : { baselineP99Ms: base.medianP99Ms }),
      };
      const p99Target = total <= 1_000 ? { p99UnderMs: 50, met: (subject.medianP99Ms ?? Infinity) < 50 } : null;
      const idle = (name: string) => Math.round(median(results.get(name)!.idlePer1k) * 10) / 10;
      const live = (name: string) => Math.round(median(results.get(name)!.livePer1k) * 10) / 10;
      log(
        `  S5: server RSS per 1,000 subscribers, connected: dengon ${idle('dengon')} MB, ws-redis ${idle('ws-redis')} MB` +
          ` (live heap: dengon ${live('dengon')} MB, ws-redis ${live('ws-redis')} MB);` +
          ` after the load: dengon ${subject.rssMb} MB, ws-redis ${base.rssMb} MB (RSS: first round, fresh processes; live heap: median of rounds)`,
      );
      return {
        id: 'S5',
        title: 'chatEvents over graphql-ws, 2 instances via Redis',
        measurements,
        comparisons: [comparison],
        notes: {
          subscribers: total,
          perAccount,
          accounts: accountCount,
          messagesPerSecond: 1000 / INTERVAL_MS,
          subscription: SUBSCRIPTION,
          rssMbPer1kSubscribers: {
            connected: { dengon: idle('dengon'), 'ws-redis': idle('ws-redis') },
            connectedLiveHeap: { dengon: live('dengon'), 'ws-redis': live('ws-redis') },
            afterLoad: { dengon: subject.rssMb, 'ws-redis': base.rssMb },
          },
          p50Ms: Object.fromEntries([...results].map(([name, r]) => [name, r.rounds.map((x) => x.p50Ms)])),
          stretchP99: p99Target,
        },
      };
    } finally {
      await Promise.all(servers.map((s) => s.stop()));
      redis.disconnect();
    }
  },
};

/** Frames all subscribers should receive for `count` messages spread over the accounts. */
function expectedTotal(count: number, perAccount: number, accounts: number, total: number): number {
  let frames = 0;
  for (let a = 0; a < accounts; a++) {
    const messages = Math.floor(count / accounts) + (a < count % accounts ? 1 : 0);
    const subscribers = Math.min(perAccount, total - a * perAccount);
    frames += messages * subscribers;
  }
  return frames;
}

/** Every subscriber got exactly its account's messages: none lost, none twice, no errors, no drops. */
function verifyEveryFrame(name: string, report: SubscribersReport, specs: SubscriberSpec[], count: number, first: number, accounts: number): void {
  if (report.closed > 0 || report.unexpected > 0) throw new Error(`S5 ${name}: ${describe(report)}`);
  const perAccount = new Array<number>(accounts).fill(0);
  for (let n = first; n < first + count; n++) perAccount[n % accounts]!++;
  const wrong = specs.findIndex((spec, i) => report.received[i] !== perAccount[spec.account]);
  if (wrong >= 0) {
    throw new Error(`S5 ${name}: subscriber ${wrong} received ${report.received[wrong]} frames, expected ${perAccount[specs[wrong]!.account]}`);
  }
}

function describe(report: SubscribersReport): string {
  return `${report.closed} closed (${report.closedSample}), ${report.unexpected} unexpected frames (${report.unexpectedSample})`;
}

/**
 * One subscriber on each Dengon instance; a message sent through the first
 * must reach both with its content. Returns the event as Dengon sent it (the
 * baseline sends the same shape).
 */
async function checkDengon(dengon: Contender, account: Account, send: () => Promise<void>): Promise<Record<string, unknown>> {
  const { WebSocket } = await import('ws');
  const frames: string[][] = [[], []];
  const sockets = await Promise.all(
    dengon.servers.map(
      (server, i) =>
        new Promise<InstanceType<typeof WebSocket>>((resolve, reject) => {
          const socket = new WebSocket(`${server.origin.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
          socket.on('error', reject);
          socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${account.adminToken}` } })));
          socket.on('message', (data) => {
            const text = String(data);
            if (text.startsWith('{"type":"connection_ack"')) {
              socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: SUBSCRIPTION, variables: { a: account.accountGlobalId } } }));
              resolve(socket);
            } else frames[i]!.push(text);
          });
        }),
    ),
  );
  try {
    // Sent until it arrives: the subscribe has no acknowledgement.
    const deadline = Date.now() + 30_000;
    while (frames.some((f) => f.length === 0)) {
      if (Date.now() > deadline) throw new Error(`S5 check: frames received per instance ${frames.map((f) => f.length).join(', ')} after 30 s`);
      await send();
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    const events = frames.map((f) => f[0]!).map((text) => {
      if (!text.startsWith(NEXT_PREFIX)) throw new Error(`S5 check: unexpected frame ${text.slice(0, 300)}`);
      return (JSON.parse(text) as { payload: { data: { chatEvents: Record<string, unknown> } } }).payload.data.chatEvents;
    });
    const event = events[0]! as { kind?: string; message?: { content?: { text?: string } } };
    if (event.kind !== 'MESSAGE_SENT' || event.message?.content?.text !== TEXT) throw new Error(`S5 check: unexpected event ${JSON.stringify(event)}`);
    return event as Record<string, unknown>;
  } finally {
    for (const socket of sockets) socket.close();
  }
}
