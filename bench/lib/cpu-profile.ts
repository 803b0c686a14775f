/** The parts of a V8 `.cpuprofile` (written by `node --cpu-prof`) that a self-time summary needs. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples: number[];
  timeDeltas: number[];
}

/** One function's share of a profile. */
export interface HotSpot {
  /** `name (file:line)`, with the path shortened to what follows node_modules/ or the repository. */
  where: string;
  /** Time spent in the function itself, in ms. */
  selfMs: number;
  /** Share of all sampled time, 0-1. */
  share: number;
}

/**
 * Sums self time per function (name + location) and returns the `top` largest, idle and GC included as V8
 * names them (`(idle)`, `(garbage collector)`, `(program)`).
 */
export function hotSpots(profile: CpuProfile, top = 25): HotSpot[] {
  const byNode = new Map<number, string>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    byNode.set(node.id, url ? `${functionName || "(anonymous)"} (${shortenUrl(url)}:${lineNumber + 1})` : functionName);
  }
  const selfUs = new Map<string, number>();
  let totalUs = 0;
  profile.samples.forEach((nodeId, i) => {
    const delta = profile.timeDeltas[i] ?? 0;
    const where = byNode.get(nodeId) ?? "(unknown)";
    selfUs.set(where, (selfUs.get(where) ?? 0) + delta);
    totalUs += delta;
  });
  return [...selfUs]
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
