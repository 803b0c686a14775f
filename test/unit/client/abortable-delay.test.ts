import { describe, expect, it } from "vitest";
import { abortableDelay } from "../../../src/client/abortable-delay.js";

/** The reconnect wait of watchChanges: a delay that an abort ends early, and that never rejects. */
describe("abortableDelay", () => {
  const timed = async (run: () => Promise<void>): Promise<number> => {
    const start = performance.now();
    await run();
    return performance.now() - start;
  };

  it("waits out its delay when nothing aborts", async () => {
    expect(await timed(() => abortableDelay(60))).toBeGreaterThanOrEqual(55);
    expect(await timed(() => abortableDelay(60, new AbortController().signal))).toBeGreaterThanOrEqual(55);
  });

  it("resolves at once on an abort, during the wait or before it", async () => {
    const during = new AbortController();
    setTimeout(() => during.abort(new Error("stop")), 20);
    expect(await timed(() => abortableDelay(10_000, during.signal))).toBeLessThan(1_000);
    expect(await timed(() => abortableDelay(10_000, AbortSignal.abort(new Error("stopped"))))).toBeLessThan(100);
  });
});
