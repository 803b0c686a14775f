/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** Options of {@link hotSpots}. */
export interface HotSpotOptions {
  /** How many functions; default 25. */
  top?: number;
  /** `self`: time in the function itself; `total`: with everything it calls. Default `self`. */
  mode?: "self" | "total";
  /** Keep only the functions whose location contains this text. */
  filter?: string;
  /** Keep only the samples of the profile's last this-many seconds (the phase of a run that came last). */
  lastSeconds?: number;
}

/** One function's share of a profile. */
export interface HotSpot {
  /** `name (file:line)`, with the path shortened to what follows node_modules/ or the repository. */
  where: string;
  /** Time spent in the function itself (or, in `total` mode, with its callees), in ms. */
  selfMs: number;
  /** Share of all sampled time, 0-1. */
  share: number;
}

/**
 * Sums time per function (name + location) and returns the largest, idle and GC included as V8 names them
 * (`(idle)`, `(garbage collector)`, `(program)`). In `total` mode a sample counts for every function on its
 * stack, once per function even under recursion.
 */
export function hotSpots(profile: CpuProfile, options: HotSpotOptions = {}): HotSpot[] {
  const { top = 25, mode = "self", filter = "", lastSeconds } = options;
  const names = new Map<number, string>();
  const parents = new Map<number, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    names.set(node.id, url ? `${functionName || "(anonymous)"} (${shortenUrl(url)}:${lineNumber + 1})` : functionName);
    for (const child of node.children ?? []) parents.set(child, node.id);
  }
  const timeUs = new Map<string, number>();
  let totalUs = 0;
  const spanUs = profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
  const fromUs = lastSeconds === undefined ? -Infinity : spanUs - lastSeconds * 1e6;
  let atUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    atUs += delta;
    if (atUs < fromUs) return;
    totalUs += delta;
    const stack = new Set<string>();
    for (let id: number | undefined = nodeId; id !== undefined; id = mode === "total" ? parents.get(id) : undefined) {
      stack.add(names.get(id) ?? "(unknown)");
    }
    for (const where of stack) timeUs.set(where, (timeUs.get(where) ?? 0) + delta);
  });
  return [...timeUs]
    .filter(([where]) => where.includes(filter))
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([where, us]) => ({ where, selfMs: us / 1000, share: totalUs === 0 ? 0 : us / totalUs }));
}

function shortenUrl(url: string): string {
  const path = url.replace(/^file:\/\//, "");
  const inModules = path.lastIndexOf("node_modules/");
  if (inModules >= 0) return path.slice(inModules + "node_modules/".length);
  const inDist = path.lastIndexOf("/dist/");
  return inDist >= 0 ? path.slice(inDist + "/dist/".length) : path;
}
