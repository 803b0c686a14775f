import { judge, spreadOf, targetLabel, type RatioTarget, type Spread, type Verdict } from "./paired-ratio.js";

/** One row of the results table: a measured value against its baseline and its target. */
export interface FigureRow {
  /** `1a`, `1b`, `2a`…: the figure number and a letter per variant. */
  id: string;
  what: string;
  /** The measured value, formatted with its unit; `—` when not measured. */
  value: string;
  /** The baseline measured in the same run, formatted; `—` when the figure has none. */
  baseline: string;
  /**
   * value / baseline (or baseline / value for "faster" figures), when the figure has a baseline; with
   * `spread`, the median of the paired rounds' ratios.
   */
  ratio: number | null;
  target: string;
  /** null: not judged (not available, no target for this row, or within noise). */
  pass: boolean | null;
  /** The ratios of the paired rounds, when the ratio comes from them (bench/lib/paired-rounds.ts). */
  spread?: Spread;
  /** The paired ratio's result against the target (`judge()`); rows without it show `pass`. */
  verdict?: Verdict;
  /** min-max of the value over the rounds or runs, formatted, when it has several. */
  range?: string;
}

/**
 * A row whose ratio is the median of paired rounds: its spread, and a verdict of the IQR against the target
 * (or none, when `target` is absent: the ratio is only reported).
 */
export function judgedRow(row: {
  id: string;
  what: string;
  value: string;
  baseline: string;
  ratios: number[];
  target?: RatioTarget;
  range?: string;
}): FigureRow {
  const spread = spreadOf(row.ratios);
  const verdict = row.target ? judge(spread, row.target) : undefined;
  return {
    id: row.id,
    what: row.what,
    value: row.value,
    baseline: row.baseline,
    ratio: spread.median,
    target: row.target ? targetLabel(row.target) : "—",
    pass: verdict === undefined || verdict === "within noise" ? null : verdict === "pass",
    spread,
    ...(verdict ? { verdict } : {}),
    ...(row.range ? { range: row.range } : {}),
  };
}

/** `min-max` of values, formatted, or undefined for fewer than two. */
export function rangeOf(values: number[], format: (v: number) => string): string | undefined {
  if (values.length < 2) return undefined;
  const s = spreadOf(values);
  return `${format(s.min)}-${format(s.max)}`;
}

/** What one figure reports: its rows, the commands that produced it, and notes for the details section. */
export interface FigureResult {
  figure: number;
  title: string;
  rows: FigureRow[];
  commands: string[];
  notes: string[];
}

/** Everything a figure needs from the run. */
export interface RunContext {
  full: boolean;
  cores: { server: string; load: string };
  logLevel: string;
  /** When set, servers write CPU profiles into this directory. */
  profileDir: string | undefined;
  log(line: string): void;
}

/** Numbers as the report prints them. */
export const fmt = {
  rps: (v: number) => `${Math.round(v).toLocaleString("en")} calls/s`,
  us: (v: number) => (v >= 10_000 ? `${(v / 1000).toFixed(1)} ms` : `${Math.round(v)} µs`),
  ms: (v: number) => `${v.toFixed(v < 10 ? 2 : 0)} ms`,
  ns: (v: number) => `${v.toFixed(0)} ns`,
  kib: (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`,
  mib: (bytes: number) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`,
  s: (ms: number) => `${(ms / 1000).toFixed(2)} s`,
};
