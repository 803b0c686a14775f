import { afterEach, describe, expect, it, vi } from "vitest";
import { createFlagEngine, type FlagEngine, type WatchEvent } from "../../../src/engine/flag-engine.js";
import { copyFeature } from "../../../src/engine/record-copies.js";
import { createMemoryDatabase } from "../../../src/store/memory/memory-database.js";
import { openMemoryStore } from "../../../src/store/memory/memory-store.js";
import { picture } from "../../support/state-picture.js";

/**
 * Engines sharing one database, as servers in several processes do, on the in-memory backend: what the engine
 * needs from any store (the committed-elsewhere hook, the missed changes of a write, the first retained revision),
 * checked without SQLite.
 */

const engines: FlagEngine[] = [];
afterEach(async () => {
  for (const engine of engines.splice(0)) await engine.close();
});

async function twoEngines() {
  const database = createMemoryDatabase();
  const open = async () => {
    const engine = await createFlagEngine({ store: openMemoryStore({ database }), salt: () => "s" });
    engines.push(engine);
    return engine;
  };
  return [await open(), await open()] as const;
}

/** The revisions of the change events in `events`. */
const revisions = (events: (WatchEvent | undefined)[]) => events.flatMap((e) => (e?.type === "change" ? [e.change.revision] : []));

describe("engines sharing a database", () => {
  it("catch up when the store reports another's commit, and publish it to their watchers", async () => {
    const [a, b] = await twoEngines();
    const abort = new AbortController();
    const watch = b.watch({}, abort.signal);
    expect((await watch.next()).value).toMatchObject({ type: "heartbeat", revision: 0 });
    await a.submit({ kind: "customer.created", customerId: "c1" }, "a");
    expect((await watch.next()).value).toMatchObject({ type: "change", change: { revision: 1, customerId: "c1", actor: "a" } });
    expect(b.revision).toBe(1);
    abort.abort();
  });

  it("check each write against the other's commits not yet caught up, read inside the transaction", async () => {
    const [a, b] = await twoEngines();
    await a.submit({ kind: "feature.created", feature: "f", enabled: false, description: "" }, null);
    // Right away, before the hook could tell b: its write must still see "f".
    await expect(b.submit({ kind: "feature.created", feature: "f", enabled: true, description: "" }, null)).rejects.toMatchObject({
      code: "ALREADY_EXISTS",
    });
    expect((await b.submit({ kind: "feature.enabled_set", feature: "f", enabled: true }, null)).revision).toBe(2);
    await vi.waitFor(() => expect(a.revision).toBe(2));
    expect(picture(a.state)).toEqual(picture(b.state));
  });

  it("hand a watcher over from replay to live without a gap or duplicate when the replay read past the engine", async () => {
    const [a, b] = await twoEngines();
    for (let i = 0; i < 3; i++) await b.submit({ kind: "customer.created", customerId: `b${i}` }, null);
    await vi.waitFor(() => expect(a.revision).toBe(3));
    const abort = new AbortController();
    const watch = a.watch({ sinceRevision: 0 }, abort.signal);
    // Committed by b after a's state: the replay reads it from the log before a catches up.
    await b.submit({ kind: "customer.created", customerId: "b3" }, null);
    const events: (WatchEvent | undefined)[] = [(await watch.next()).value];
    expect(a.revision).toBe(3); // the replay went live at 4, past a's revision
    await a.submit({ kind: "customer.created", customerId: "a4" }, null);
    while (revisions(events).at(-1) !== 5) events.push((await watch.next()).value);
    expect(revisions(events)).toEqual([1, 2, 3, 4, 5]);
    abort.abort();
  });

  it("start a watcher whose since_revision was pruned with a snapshot, asking the store where its log starts", async () => {
    const database = createMemoryDatabase();
    const store = openMemoryStore({ database });
    const engine = await createFlagEngine({ store, salt: () => "s" });
    engines.push(engine);
    for (let i = 0; i < 5; i++) await engine.submit({ kind: "customer.created", customerId: `c${i}` }, null);
    expect(await store.pruneChanges({ revisions: 2 }, Date.now())).toBe(3);
    const page = await engine.listChanges(0, { size: 10, after: undefined });
    expect([page.prunedThrough, page.items.map((c) => c.revision)]).toEqual([3, [4, 5]]);
    const abort = new AbortController();
    const first = (await engine.watch({ sinceRevision: 1 }, abort.signal).next()).value;
    expect(first).toMatchObject({ type: "snapshot", chunk: { revision: 5 } });
    abort.abort();
  });
});

describe("a write's view", () => {
  it("is a copy: a later write of the same group does not change what an earlier one answered", async () => {
    const [a] = await twoEngines();
    const created = a.submit({ kind: "feature.created", feature: "f", enabled: false, description: "" }, null, () => copyFeature(a.getFeature("f")));
    const enabled = a.submit({ kind: "feature.enabled_set", feature: "f", enabled: true }, null, () => copyFeature(a.getFeature("f")));
    expect([(await created).view.enabled, (await enabled).view.enabled]).toEqual([false, true]);
  });
});
