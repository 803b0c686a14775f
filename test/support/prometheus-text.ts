/** One sample of a Prometheus text exposition. */
export interface PromSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** A parsed exposition: the declared type of each metric family, and every sample. */
export interface PromExposition {
  types: Map<string, string>;
  samples: PromSample[];
  /** The value of the one sample named `name` whose labels include `labels`; undefined when none; throws when several. */
  value(name: string, labels?: Record<string, string>): number | undefined;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/;
const LABEL = /^([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\["\\n])*)"(,|$)/;
const SUFFIXES = ["_bucket", "_sum", "_count", "_total", "_created"];

/**
 * Parses the Prometheus text format (0.0.4) strictly: HELP and TYPE before a family's samples, valid names, label
 * syntax and escapes, numeric values, no duplicate series, and cumulative histogram buckets ending in +Inf = _count.
 * Throws on the first violation, naming the line.
 */
export function parsePrometheusText(text: string): PromExposition {
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  const types = new Map<string, string>();
  const samples: PromSample[] = [];
  const seen = new Set<string>();
  for (const [i, line] of text.split("\n").entries()) {
    if (line === "") continue;
    const fail = (why: string) => new Error(`line ${i + 1} ${JSON.stringify(line)}: ${why}`);
    if (line.startsWith("#")) {
      const [, keyword, name, rest] = /^# (HELP|TYPE) (\S+) ?(.*)$/.exec(line) ?? [];
      if (!keyword || !name || !NAME.test(name)) throw fail("a comment must be # HELP or # TYPE with a valid name");
      if (keyword === "TYPE") {
        if (!["counter", "gauge", "histogram", "summary", "untyped"].includes(rest ?? "")) throw fail("unknown type");
        if (types.has(name)) throw fail("a second TYPE for the family");
        types.set(name, rest as string);
      }
      continue;
    }
    const match = SAMPLE.exec(line);
    if (!match) throw fail("not a sample line");
    const name = match[1] as string;
    const labels: Record<string, string> = {};
    let rest = match[2] ?? "";
    while (rest !== "") {
      const label = LABEL.exec(rest);
      if (!label) throw fail("malformed labels");
      if ((label[1] as string) in labels) throw fail("a repeated label");
      labels[label[1] as string] = (label[2] as string).replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
      rest = rest.slice(label[0].length);
    }
    const raw = match[3] as string;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    // Prometheus reads values with Go's ParseFloat, which takes NaN in any case (prom-client writes "Nan").
    if (!/^nan$/i.test(raw) && Number.isNaN(value)) throw fail("the value is not a number");
    const family = types.has(name) ? name : SUFFIXES.map((s) => (name.endsWith(s) ? name.slice(0, -s.length) : "")).find((f) => types.has(f));
    if (!family) throw fail("a sample of no declared family (TYPE missing)");
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw fail("a duplicate series");
    seen.add(key);
    samples.push({ name, labels, value });
  }
  checkHistograms(types, samples);
  const matching = (name: string, labels: Record<string, string>) =>
    samples.filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v));
  return {
    types,
    samples,
    value(name, labels = {}) {
      const found = matching(name, labels);
      if (found.length > 1) throw new Error(`${found.length} samples of ${name} match ${JSON.stringify(labels)}`);
      return found[0]?.value;
    },
  };
}

function checkHistograms(types: Map<string, string>, samples: PromSample[]): void {
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const series = new Map<string, { les: number[]; counts: number[]; count?: number }>();
    for (const sample of samples) {
      const { le, ...rest } = sample.labels;
      const key = JSON.stringify(Object.entries(rest).sort());
      const entry = series.get(key) ?? { les: [], counts: [] };
      series.set(key, entry);
      if (sample.name === `${family}_bucket`) {
        if (le === undefined) throw new Error(`${family}_bucket without le`);
        entry.les.push(le === "+Inf" ? Infinity : Number(le));
        entry.counts.push(sample.value);
      } else if (sample.name === `${family}_count`) entry.count = sample.value;
    }
    for (const [key, { les, counts, count }] of series) {
      if (les.length === 0 && count === undefined) continue;
      if (les.at(-1) !== Infinity || counts.at(-1) !== count) throw new Error(`${family}${key}: the +Inf bucket must equal _count`);
      for (let i = 1; i < les.length; i++) {
        if (!((les[i] as number) > (les[i - 1] as number)) || (counts[i] as number) < (counts[i - 1] as number)) {
          throw new Error(`${family}${key}: buckets must be increasing and cumulative`);
        }
      }
    }
  }
}
