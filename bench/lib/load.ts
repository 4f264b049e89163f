// HTTP load with autocannon, run inside this (parent) process: the servers
// never generate their own load.
import autocannon from 'autocannon';

export type HttpRequest = {
  method: 'GET' | 'POST';
  path: string;
  headers: Record<string, string>;
  /** A function builds a fresh body for every request (writes: unique keys, spread rows). */
  body?: string | (() => string);
};

/** The body to send once (a function is called for a fresh one). */
export function bodyOf(request: HttpRequest): string | undefined {
  return typeof request.body === 'function' ? request.body() : request.body;
}

export type LoadRun = {
  reqPerSec: number;
  p50Ms: number;
  p99Ms: number;
  /** 2xx responses received. */
  requests: number;
  /** Requests sent, including those still in flight when the run stopped (the server still serves them). */
  sent: number;
  durationSec: number;
};

const REQUEST_TIMEOUT_SEC = 10;

/**
 * Runs `seconds` of load with `connections` keep-alive connections. Any
 * non-2xx, error or timeout fails the run, and so does any body `acceptBody`
 * refuses (e.g. a typed error in a 200): a server that answers fast with
 * errors must not look fast.
 */
export async function load(
  origin: string,
  request: HttpRequest,
  seconds: number,
  connections: number,
  acceptBody?: (body: string) => boolean,
): Promise<LoadRun> {
  const { body } = request;
  const result = await autocannon({
    url: origin + request.path,
    method: request.method,
    headers: request.headers,
    ...(typeof body === 'string' ? { body } : {}),
    ...(typeof body === 'function' ? { requests: [{ setupRequest: (data) => ({ ...data, body: body() }) }] } : {}),
    ...(acceptBody ? { verifyBody: acceptBody } : {}),
    connections,
    duration: seconds,
    timeout: REQUEST_TIMEOUT_SEC,
  });
  const failures = result.non2xx + result.errors + result.timeouts + result.mismatches;
  if (failures > 0 || result['2xx'] === 0) {
    throw new Error(
      `load on ${origin}${request.path}: ${result['2xx']} ok, ${result.non2xx} non-2xx, ${result.errors} errors, ` +
        `${result.timeouts} timeouts, ${result.mismatches} refused bodies`,
    );
  }
  return {
    reqPerSec: result.requests.average,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    requests: result['2xx'],
    sent: result.requests.sent,
    durationSec: result.duration,
  };
}

/** One request outside the load, for checks: returns status and parsed body. */
export async function requestOnce(origin: string, request: HttpRequest): Promise<{ status: number; body: unknown }> {
  const response = await fetch(origin + request.path, {
    method: request.method,
    headers: request.headers,
    body: bodyOf(request),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_SEC * 1000),
  });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // Left as text: the caller's check reports it.
  }
  return { status: response.status, body };
}

/** Lets requests still in flight when autocannon stopped finish, so server-side counters settle. */
export const settle = (ms = 250) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Medians, not means: one disturbed round (GC, autovacuum) should not move the figure. */
export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
