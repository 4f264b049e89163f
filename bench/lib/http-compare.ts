// The shape shared by the HTTP scenarios: start Dengon and its baselines, check
// they give the same answer, then load them in turn and compare medians.
import { cpuProfileArgs, PROFILE_DIR, type ServerProcess, startServer } from './children.ts';
import { bodyOf, type HttpRequest, load, median, requestOnce, settle } from './load.ts';
import type { Options } from './options.ts';
import type { Comparison, Measurement, ScenarioContext, ScenarioResult } from './scenario.ts';

export type ServerSpec = { name: string; entry: string };

export type HttpComparisonSpec = {
  id: string;
  title: string;
  subject: ServerSpec;
  /** target: minimum subject/baseline ratio; null = reported only. */
  baselines: Array<ServerSpec & { target: number | null }>;
  /** Extra environment for every server (all get the same: fairness). */
  env: Record<string, string>;
  request: HttpRequest;
  /**
   * Throws unless `body` is a complete, correct answer. Returns the part that
   * must be identical across servers, so a baseline cannot win by doing less.
   */
  check(body: unknown): unknown;
  /**
   * Under load, every response body must pass this (cheap: it runs in the load
   * generator), e.g. no typed error inside a 200. Without it, any 2xx counts.
   */
  acceptBody?(body: string): boolean;
  /**
   * Writes: called before each server's check request; the function it
   * returns gets that request's answer and throws unless the database changed
   * exactly as one request should (e.g. one Message row, nothing more).
   */
  expectEffect?(): Promise<(body: unknown) => Promise<void>>;
};

/** A GraphQL POST with a bearer token: the request every HTTP scenario sends. */
export function graphqlPost(token: string, query: string, variables: Record<string, unknown>) {
  return {
    method: 'POST' as const,
    path: '/graphql',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  };
}

export function httpEstimateSec(servers: number, options: Options): number {
  const startAndChecks = 30;
  return startAndChecks + servers * options.rounds * (options.warmupSec + options.durationSec + 1);
}

export async function compareOverHttp(ctx: ScenarioContext, spec: HttpComparisonSpec): Promise<ScenarioResult> {
  const { log } = ctx;
  const specs = [spec.subject, ...spec.baselines];
  log(`${spec.id} ${spec.title}: starting ${specs.map((s) => s.name).join(', ')}`);
  // NODE_ENV=production for every server: graphql-js skips its dev-only checks then.
  const env = { NODE_ENV: 'production', DATABASE_URL: ctx.db.url, ...spec.env };
  const profiled = (name: string) => ctx.options.cpuProfile.includes(name);
  for (const s of specs) if (profiled(s.name)) log(`  ${s.name}: CPU profile on, its figures are skewed (${PROFILE_DIR})`);
  const started = await Promise.allSettled(
    specs.map((s) => startServer(s.name, s.entry, env, profiled(s.name) ? cpuProfileArgs(s.name) : [])),
  );
  const servers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;

    await checkAnswers(spec, servers);
    const sqlForOneRequest = await traceOneRequest(spec.request, servers);
    for (const server of servers) {
      log(`  ${server.name}: ${sqlForOneRequest[server.name]?.length ?? '?'} SQL statement(s) for one request`);
    }

    const measurements = await measureRounds(ctx, spec, servers);
    const subject = measurements[0]!;
    const comparisons = spec.baselines.map((baseline, i): Comparison => {
      const other = measurements[i + 1]!;
      const ratio = subject.median / other.median;
      return {
        name: `${spec.id} ${spec.title} vs ${baseline.name}`,
        subject: subject.contender,
        baseline: other.contender,
        unit: subject.unit,
        subjectValue: subject.median,
        baselineValue: other.median,
        ratio,
        target: baseline.target,
        met: baseline.target === null ? null : ratio >= baseline.target,
        ...(subject.medianP99Ms === undefined ? {} : { subjectP99Ms: subject.medianP99Ms }),
        ...(other.medianP99Ms === undefined ? {} : { baselineP99Ms: other.medianP99Ms }),
      };
    });
    return {
      id: spec.id,
      title: spec.title,
      measurements,
      comparisons,
      notes: { request: { ...spec.request, body: bodyOf(spec.request), headers: redact(spec.request.headers) }, sqlForOneRequest },
    };
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

async function checkAnswers(spec: HttpComparisonSpec, servers: ServerProcess[]): Promise<void> {
  let reference: { name: string; json: string } | undefined;
  for (const server of servers) {
    const verifyEffect = await spec.expectEffect?.();
    const { status, body } = await requestOnce(server.origin, spec.request);
    if (status !== 200) throw new Error(`${spec.id} ${server.name}: HTTP ${status}: ${preview(body)}`);
    let answer: unknown;
    try {
      answer = spec.check(body);
      await verifyEffect?.(body);
    } catch (error) {
      throw new Error(`${spec.id} ${server.name}: wrong answer: ${(error as Error).message}\n  got ${preview(body)}`);
    }
    const json = JSON.stringify(answer);
    reference ??= { name: server.name, json };
    if (json !== reference.json) {
      const expected = reference.json;
      const firstDiff = [...json].findIndex((char, i) => char !== expected[i]);
      const at = firstDiff === -1 ? Math.min(json.length, expected.length) : firstDiff;
      throw new Error(
        `${spec.id}: ${server.name} answers differently from ${reference.name} at character ${at}:\n` +
          `  ${reference.name}: …${expected.slice(Math.max(0, at - 40), at + 80)}\n` +
          `  ${server.name}: …${json.slice(Math.max(0, at - 40), at + 80)}`,
      );
    }
  }
}

/** The SQL each server sends for one (already warm) request: statement counts are part of the story. */
async function traceOneRequest(request: HttpRequest, servers: ServerProcess[]): Promise<Record<string, string[]>> {
  const traced: Record<string, string[]> = {};
  for (const server of servers) {
    await server.call({ type: 'trace', on: true });
    await requestOnce(server.origin, request);
    traced[server.name] = (await server.call({ type: 'trace', on: false })).statements ?? [];
  }
  return traced;
}

async function measureRounds(ctx: ScenarioContext, spec: HttpComparisonSpec, servers: ServerProcess[]): Promise<Measurement[]> {
  const { options, log } = ctx;
  const byName = new Map(servers.map((s) => [s.name, { runs: [] as Measurement['rounds'], sqlPerRequest: [] as number[], rss: 0 }]));
  for (let round = 0; round < options.rounds; round++) {
    // Rotating the order puts every server in every slot once (with as many
    // rounds as servers): whoever runs right after another's load is not always the same.
    const order = servers.map((_, i) => servers[(i + round) % servers.length]!);
    for (const server of order) {
      if (options.warmupSec > 0) await load(server.origin, spec.request, options.warmupSec, options.connections, spec.acceptBody);
      await settle();
      const before = await server.call({ type: 'stats' });
      const run = await load(server.origin, spec.request, options.durationSec, options.connections, spec.acceptBody);
      await settle();
      const after = await server.call({ type: 'stats' });
      const entry = byName.get(server.name)!;
      entry.runs.push({ value: run.reqPerSec, p50Ms: run.p50Ms, p99Ms: run.p99Ms, requests: run.requests });
      entry.sqlPerRequest.push(((after.sqlCount ?? 0) - (before.sqlCount ?? 0)) / run.sent);
      entry.rss = after.rssBytes ?? 0;
      log(
        `  round ${round + 1}/${options.rounds}  ${server.name.padEnd(10)} ${Math.round(run.reqPerSec).toString().padStart(6)} req/s` +
          `  p50 ${run.p50Ms} ms  p99 ${run.p99Ms} ms`,
      );
    }
  }
  return servers.map((server) => {
    const { runs, sqlPerRequest, rss } = byName.get(server.name)!;
    return {
      contender: server.name,
      unit: 'req/s',
      rounds: runs,
      median: median(runs.map((r) => r.value)),
      medianP99Ms: median(runs.map((r) => r.p99Ms ?? Number.NaN)),
      sqlPerRequest: Math.round(median(sqlPerRequest) * 100) / 100,
      rssMb: Math.round(rss / 1e6),
    };
  });
}

function redact(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, k.toLowerCase() === 'authorization' ? 'Bearer [redacted]' : v]));
}

function preview(body: unknown): string {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return text.length > 300 ? `${text.slice(0, 300)}…` : text;
}
