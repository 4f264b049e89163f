// autocannon 8 ships no types: only what bench/lib/load.ts uses is declared.
declare module 'autocannon' {
  namespace autocannon {
    interface Options {
      url: string;
      method?: 'GET' | 'POST' | 'PUT' | 'DELETE' | 'PATCH';
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      /** Per-request timeout, seconds. */
      timeout?: number;
      pipelining?: number;
      /** Per-request overrides; `setupRequest` runs before every request it builds (a fresh body each time). */
      requests?: Array<{ setupRequest?: (request: RequestData) => RequestData }>;
      /** A response whose body this refuses counts in `mismatches`. */
      verifyBody?: (body: string) => boolean;
    }

    interface RequestData {
      method: string;
      path: string;
      headers: Record<string, string>;
      body?: string | Buffer;
    }

    /** hdr-histogram summary; latencies in ms, requests per 1 s sample. */
    interface Histogram {
      average: number;
      mean: number;
      stddev: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p97_5: number;
      p99: number;
    }

    interface Result {
      latency: Histogram;
      requests: Histogram & { sent: number };
      throughput: Histogram;
      /** Seconds actually run. */
      duration: number;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      /** Responses refused by `verifyBody`. */
      mismatches: number;
      '2xx': number;
    }
  }

  /** Without a callback, returns a promise of the result. */
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
