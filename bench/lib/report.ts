// Text and JSON output. Ratios are the result; absolute figures are printed
// beside them but drift between runs and machines (see BENCHMARKS.md).
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Comparison, ScenarioResult } from './scenario.ts';

const fmt = (value: number) => (Number.isFinite(value) ? Math.round(value).toString() : '-');
const ms = (value: number | undefined) => (value === undefined || !Number.isFinite(value) ? '-' : `${value} ms`);

function verdict(c: Comparison): string {
  if (c.target === null) return '(reported)';
  return `>=${c.target}x ${c.met ? 'ok' : 'BELOW TARGET'}`;
}

/** `name  dengon  baseline  ratio  target`, one line, as BENCHMARKS.md promises. */
export function comparisonLine(c: Comparison): string {
  return [
    c.name,
    `${fmt(c.subjectValue)} ${c.unit}`,
    `${fmt(c.baselineValue)} ${c.unit}`,
    `${c.ratio.toFixed(2)}x`,
    verdict(c),
    `p99 ${ms(c.subjectP99Ms)} vs ${ms(c.baselineP99Ms)}`,
  ].join('  ');
}

function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function finalTables(results: ScenarioResult[]): string {
  const comparisons = results.flatMap((r) => r.comparisons);
  const contenders = results.flatMap((r) =>
    r.measurements.map((m) => [
      r.id,
      m.contender,
      `${fmt(m.median)} ${m.unit}`,
      m.rounds.map((round) => fmt(round.value)).join(' / '),
      ms(m.medianP99Ms),
      m.sqlPerRequest === undefined ? '-' : String(m.sqlPerRequest),
      m.rssMb === undefined ? '-' : `${m.rssMb} MB`,
    ]),
  );
  return [
    table(
      ['comparison', 'dengon', 'baseline', 'ratio', 'target', 'p99 dengon', 'p99 baseline'],
      comparisons.map((c) => [
        c.name,
        `${fmt(c.subjectValue)} ${c.unit}`,
        `${fmt(c.baselineValue)} ${c.unit}`,
        `${c.ratio.toFixed(2)}x`,
        verdict(c),
        ms(c.subjectP99Ms),
        ms(c.baselineP99Ms),
      ]),
    ),
    '',
    table(['scenario', 'server', 'median', 'rounds', 'p99 (median)', 'SQL/request', 'RSS after'], contenders),
  ].join('\n');
}

export async function writeJson(file: string, data: unknown): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true });
  await fs.writeFile(file, `${JSON.stringify(data, null, 2)}\n`);
}
