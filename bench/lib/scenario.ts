// What a scenario is, and what it hands back. A scenario owns its seeding and
// its measurement (HTTP load, a bulk statement, subscriptions...), so S2+ can
// measure rows/s or memory without bending an HTTP-shaped interface.
import type { BenchDatabase } from './database.ts';
import type { Options } from './options.ts';

export type ScenarioContext = {
  options: Options;
  db: BenchDatabase;
  /** Progress lines (stderr), so stdout stays the results. */
  log(line: string): void;
};

/** One measured figure of one contender, over the rounds. */
export type Measurement = {
  contender: string;
  unit: string;
  /** Per round, in run order. */
  rounds: Array<{ value: number; p50Ms?: number; p99Ms?: number; requests?: number }>;
  median: number;
  medianP99Ms?: number;
  /** SQL statements per request (from the server's own count), when known. */
  sqlPerRequest?: number;
  /** Server resident memory after the last round. */
  rssMb?: number;
};

/** Subject (Dengon) against one baseline; `target` null means reported only. */
export type Comparison = {
  name: string;
  subject: string;
  baseline: string;
  unit: string;
  subjectValue: number;
  baselineValue: number;
  ratio: number;
  target: number | null;
  met: boolean | null;
  subjectP99Ms?: number;
  baselineP99Ms?: number;
};

export type ScenarioResult = {
  id: string;
  title: string;
  measurements: Measurement[];
  comparisons: Comparison[];
  /** Facts worth keeping beside the figures (e.g. the SQL each server sent for one request). */
  notes: Record<string, unknown>;
};

export type Scenario = {
  id: string;
  title: string;
  /** Rough wall time with these options, to bound the whole run. */
  estimateSec(options: Options): number;
  run(ctx: ScenarioContext): Promise<ScenarioResult>;
};
