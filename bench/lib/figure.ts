/** One row of the results table: a measured value against its baseline and its target. */
export interface FigureRow {
  /** `1a`, `1b`, `2a`…: the figure number and a letter per variant. */
  id: string;
  what: string;
  /** The measured value, formatted with its unit; `—` when not measured. */
  value: string;
  /** The baseline measured in the same run, formatted; `—` when the figure has none. */
  baseline: string;
  /** value / baseline (or baseline / value for "faster" figures), when the figure has a baseline. */
  ratio: number | null;
  target: string;
  /** null: not judged (not available, or no target for this row). */
  pass: boolean | null;
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
