import { fmt, judgedRow, rangeOf, type FigureResult, type RunContext } from "../lib/figure.js";
import { pairedRatios } from "../lib/paired-ratio.js";
import { exited, forkPinned, nextMessage } from "../lib/fork-pinned.js";
import type { InProcessResult } from "./in-process-protocol.js";

/** Figure 3: in-process evaluation against @openfeature/flagd-core on an equivalent customer-list rule. */
export async function inProcessFigure(ctx: RunContext): Promise<FigureResult> {
  const rounds = ctx.full ? 16 : 6;
  const calls = ctx.full ? 2_000_000 : 1_000_000;
  const child = forkPinned("../figures/in-process-child.js", [String(rounds), String(calls)], ctx.cores.server);
  const result = await nextMessage<InProcessResult>(child, "result", 300_000);
  await exited(child, 10_000);
  const engine = result.nsPerCall.engine as number;
  const flagd = result.nsPerCall.flagd as number;
  const cache = result.nsPerCall.cache as number;
  ctx.log(`  engine ${fmt.ns(engine)}, client cache ${fmt.ns(cache)}, flagd-core ${fmt.ns(flagd)} per call`);
  const faster = (name: string) => pairedRatios(result.samples.flagd ?? [], result.samples[name] ?? [], (f, x) => f / x);
  const nsRange = (name: string) => rangeOf(result.samples[name] ?? [], (v) => v.toFixed(0));
  const target = { op: ">=", value: 3, label: "≥ 3× faster" } as const;
  const rounded = (ns: number[] | undefined) => (ns ?? []).map((n) => n.toFixed(0)).join(", ");
  return {
    figure: 3,
    title: "In-process evaluation against @openfeature/flagd-core",
    rows: [
      judgedRow({ id: "3a", what: "engine snapshot `engine.evaluate()`, ns per call", value: fmt.ns(engine), baseline: `flagd-core ${fmt.ns(flagd)}`, ratios: faster("engine"), target, range: nsRange("engine") }),
      judgedRow({ id: "3b", what: "client cache `isEnabled()`, ns per call", value: fmt.ns(cache), baseline: `flagd-core ${fmt.ns(flagd)}`, ratios: faster("cache"), target, range: nsRange("cache") }),
    ],
    commands: ["npm run bench -- --only 3"],
    notes: [
      `The rule: feature off, on for a list of ${result.listSize} customer ids (flagwire: ${result.listSize} customer overrides among 1,000 customers; flagd: \`{"if": [{"in": [{"var": "customerId"}, [ids]]}, "on", "off"]}\`). Calls alternate a listed and an unlisted customer; context objects are made once.`,
      `Medians of ${rounds} rounds of ${calls.toLocaleString("en")} calls, candidates in paired rounds (the order rotates each round; each ratio is flagd-core's ns over the candidate's in the same round), in a child process pinned to core ${ctx.cores.server}. Rounds (ns): engine ${rounded(result.samples.engine)}; client cache ${rounded(result.samples.cache)}; flagd-core ${rounded(result.samples.flagd)}.`,
      "3b: the client cache (src/client/create-flag-cache.ts `createFlagCache()`) follows a real server started in the same process over gRPC, and is measured once current; it evaluates with the same domain code as the server.",
    ],
  };
}
