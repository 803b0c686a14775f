import { fmt, judgedRow, rangeOf, type FigureResult, type RunContext } from "../lib/figure.js";
import { pairedRatios } from "../lib/paired-ratio.js";
import { exited, forkPinned, nextMessage } from "../lib/fork-pinned.js";
import type { InProcessResult } from "./in-process-protocol.js";

/** Figure 15: FlagwireProvider's resolve against @openfeature/flagd-core on figure 3's customer-list rule, in process. */
export async function providerResolveFigure(ctx: RunContext): Promise<FigureResult> {
  const rounds = ctx.full ? 16 : 6;
  const calls = ctx.full ? 1_000_000 : 200_000;
  const child = forkPinned("../figures/provider-resolve-child.js", [String(rounds), String(calls)], ctx.cores.server);
  const result = await nextMessage<InProcessResult>(child, "result", 600_000);
  await exited(child, 10_000);
  const provider = result.nsPerCall.provider as number;
  const flagd = result.nsPerCall.flagd as number;
  const flagdAwaited = result.nsPerCall.flagdAwaited as number;
  ctx.log(`  provider ${fmt.ns(provider)}, flagd-core ${fmt.ns(flagd)} (awaited ${fmt.ns(flagdAwaited)}) per call`);
  const rounded = (ns: number[] | undefined) => (ns ?? []).map((n) => n.toFixed(0)).join(", ");
  return {
    figure: 15,
    title: "OpenFeature: FlagwireProvider resolve against @openfeature/flagd-core",
    rows: [
      judgedRow({
        id: "15a",
        what: "`FlagwireProvider.resolveBooleanEvaluation()` awaited, ns per call",
        value: fmt.ns(provider),
        baseline: `flagd-core ${fmt.ns(flagd)}`,
        ratios: pairedRatios(result.samples.flagd ?? [], result.samples.provider ?? [], (f, p) => f / p),
        target: { op: ">=", value: 3, label: "≥ 3× faster" },
        range: rangeOf(result.samples.provider ?? [], (v) => v.toFixed(0)),
      }),
      judgedRow({
        id: "15b",
        what: "the same, against flagd-core awaited as the SDK calls every provider (flagd's in-process provider wraps it in an async resolve)",
        value: fmt.ns(provider),
        baseline: `flagd-core awaited ${fmt.ns(flagdAwaited)}`,
        ratios: pairedRatios(result.samples.flagdAwaited ?? [], result.samples.provider ?? [], (f, p) => f / p),
        target: { op: ">=", value: 3, label: "≥ 3× faster" },
        range: rangeOf(result.samples.provider ?? [], (v) => v.toFixed(0)),
      }),
    ],
    commands: ["npm run bench -- --only 15"],
    notes: [
      `The rule of figure 3: feature off, on for a list of ${result.listSize} customer ids (flagwire: customer overrides among 1,000 customers; flagd-core: an \`in\` rule over the list). Calls alternate a listed and an unlisted customer; context objects are made once.`,
      `CPU time of the measuring process (user + system, \`process.cpuUsage()\`), not wall time: on a shared machine other processes' turns on the core do not count. Medians of ${rounds} rounds of ${calls.toLocaleString("en")} calls, candidates in paired rounds (the order rotates each round; each ratio is flagd-core's ns over the provider's in the same round), in a child process pinned to core ${ctx.cores.server}. Rounds (ns): provider ${rounded(result.samples.provider)}; flagd-core ${rounded(result.samples.flagd)}; flagd-core awaited ${rounded(result.samples.flagdAwaited)}.`,
      "15a compares our awaited resolve with flagd-core's synchronous evaluate, 15b both awaited: the SDK awaits every provider's resolve, so 15b is what an application sees; the await alone costs about 40 ns.",
      "For scale, not a target: the whole SDK path (`getBooleanDetails()` over FlagwireProvider) measured by hand with FLAGWIRE_BENCH_CANDIDATES=provider,flagd,sdk costs tens of µs of CPU per call; it is left out by default because its garbage slowed the other candidates' rounds.",
    ],
  };
}
