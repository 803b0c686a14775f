import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { ChangeData } from "../../src/domain/change.js";
import { openSqliteStore } from "../../src/store/sqlite/sqlite-store.js";

/**
 * The shape of a benchmark data set. Ids are zero-padded so that key order is numeric order and every data set
 * uses ids of the same length (request bodies then have the same size on small and large data sets).
 *
 * - features `f0000`..: even ones on globally, odd ones off;
 * - customers `c000000`..; users `u0000000`.., `usersPerCustomer` per customer, in customer order;
 * - the "hot" feature `f0000` has a customer override on every even customer (on and off alternating), so that
 *   every ListCustomersWithFeature filter has full pages anywhere in the key range; odd customers have none,
 *   which is what the write benchmark relies on to make every write a real change;
 * - `customerOverrides` and `userOverrides` more overrides spread over the other features and over the
 *   customers and users, on for one in three.
 */
export interface DatasetShape {
  features: number;
  customers: number;
  usersPerCustomer: number;
  customerOverrides: number;
  userOverrides: number;
}

/** The data set of figures 2, 6 and 7: 1k features, 100k customers, 1M users, 1M overrides. */
export const LARGE_DATASET: DatasetShape = {
  features: 1000,
  customers: 100_000,
  usersPerCustomer: 10,
  customerOverrides: 450_000, // + 50,000 on the hot feature
  userOverrides: 500_000,
};

/** The data set of figures 1, 4, 5 and 8: the same 1k features, 1% of the rest. */
export const SMALL_DATASET: DatasetShape = {
  features: 1000,
  customers: 1000,
  usersPerCustomer: 10,
  customerOverrides: 4_500,
  userOverrides: 5_000,
};

/**
 * Figure 16's data sets for EvaluateAll on the HTTP port: the small data set's customers and users with only
 * `features` features (1 or 100), and overrides of the same density per feature.
 */
export function fewFeatures(features: number): DatasetShape {
  const others = features - 1; // the hot feature has its own overrides; the others share the spread ones
  return { ...SMALL_DATASET, features, customerOverrides: Math.round(4.5 * others), userOverrides: 5 * others };
}

/** Id helpers, so that benchmarks name the same entities as the generator. */
export const ids = {
  feature: (i: number) => `f${String(i).padStart(4, "0")}`,
  customer: (i: number) => `c${String(i).padStart(6, "0")}`,
  user: (i: number) => `u${String(i).padStart(7, "0")}`,
  /** The feature with an override on every even customer. */
  hotFeature: "f0000",
};

/** Bump when the generator's output changes, so that cached files are not reused. */
const GENERATOR_VERSION = 2;
/** Changes per write transaction: large enough to be fast, small enough to keep the WAL small. */
const BATCH = 100_000;
// Strides that are coprime with the power-of-ten id counts, so that one feature never gets the same target twice.
const STRIDE_A = 7919;
const STRIDE_B = 104_729;

/** Every change of the data set, in the order they are committed: entities first, then overrides. */
export function* datasetChanges(shape: DatasetShape): Generator<ChangeData> {
  for (let f = 0; f < shape.features; f++) {
    yield { kind: "feature.created", feature: ids.feature(f), enabled: f % 2 === 0, description: "", salt: `bench-${f}` };
  }
  for (let c = 0; c < shape.customers; c++) yield { kind: "customer.created", customerId: ids.customer(c) };
  const users = shape.customers * shape.usersPerCustomer;
  for (let u = 0; u < users; u++) {
    yield { kind: "user.created", userId: ids.user(u), customerId: ids.customer(Math.floor(u / shape.usersPerCustomer)) };
  }
  for (let c = 0; c < shape.customers; c += 2) {
    const target = { kind: "customer" as const, id: ids.customer(c) };
    yield { kind: "override.set", feature: ids.hotFeature, target, enabled: c % 4 === 0 };
  }
  yield* spreadOverrides(shape, shape.customerOverrides, shape.customers, (i) => ({ kind: "customer", id: ids.customer(i) }));
  yield* spreadOverrides(shape, shape.userOverrides, users, (i) => ({ kind: "user", id: ids.user(i) }));
}

function* spreadOverrides(
  shape: DatasetShape,
  count: number,
  targets: number,
  target: (i: number) => { kind: "customer" | "user"; id: string },
): Generator<ChangeData> {
  const others = shape.features - 1; // every feature but the hot one
  if (Math.ceil(count / others) > targets) throw new Error("more overrides than distinct feature/target pairs");
  for (let k = 0; k < count; k++) {
    const f = 1 + (k % others);
    const round = Math.floor(k / others);
    const t = (round * STRIDE_A + f * STRIDE_B) % targets;
    // On for one in three, varying along each feature's targets (not constant per feature).
    yield { kind: "override.set", feature: ids.feature(f), target: target(t), enabled: (round + f) % 3 === 0 };
  }
}

/**
 * Writes a data set through the store's own write path (`FlagStore.write` + `ChangeWriter.append`), so the file
 * is exactly what the server would have written: the data and one change-log row per change, committed
 * together. Batches of {@link BATCH} changes per transaction keep it fast (~2M changes in well under a minute)
 * with no shortcut around the store. The caller must give only valid changes (the engine's checks are skipped).
 */
export function writeDataset(path: string, shape: DatasetShape): number {
  const store = openSqliteStore({ path });
  let count = 0;
  try {
    const changes = datasetChanges(shape);
    let next = changes.next();
    while (!next.done) {
      // SQLite runs the transaction synchronously: the promise only carries its outcome. No revision to catch up from.
      void store.write(Number.MAX_SAFE_INTEGER, (_missed, writer) => {
        const at = Date.now();
        for (let n = 0; n < BATCH && !next.done; n++, next = changes.next()) {
          writer.append(next.value, "bench-dataset", at);
          count++;
        }
      });
    }
  } finally {
    store.close();
  }
  return count;
}

/** A short hash of the store's code: a cached file written by another version of the store is not reused. */
function storeVersion(): string {
  const hash = createHash("sha256");
  for (const file of ["sqlite-store.js", "migrations.js"]) {
    hash.update(readFileSync(fileURLToPath(new URL(`../../src/store/sqlite/${file}`, import.meta.url))));
  }
  return hash.digest("hex").slice(0, 12);
}

/**
 * The path of a data set file, generated on first use and then reused from the temp dir across runs; the
 * file name holds the shape, the generator's version and a hash of the store's code.
 */
export function datasetFile(shape: DatasetShape, log: (line: string) => void): { path: string; generatedMs: number | null } {
  const dir = join(tmpdir(), "flagwire-bench-cache");
  mkdirSync(dir, { recursive: true });
  const key = `${shape.features}f-${shape.customers}c-${shape.usersPerCustomer}upc-${shape.customerOverrides}co-${shape.userOverrides}uo`;
  const path = join(dir, `dataset-${key}-g${GENERATOR_VERSION}-${storeVersion()}.db`);
  if (existsSync(path)) {
    log(`reusing cached data set ${path}`);
    return { path, generatedMs: null };
  }
  // Files of the same shape written by an older generator or store are stale: 400 MB each, so remove them.
  for (const name of readdirSync(dir)) {
    if (name.startsWith(`dataset-${key}-`) && join(dir, name) !== path) rmSync(join(dir, name), { force: true });
  }
  const partial = `${path}.partial`;
  for (const suffix of ["", "-wal", "-shm"]) rmSync(partial + suffix, { force: true });
  const started = performance.now();
  const count = writeDataset(partial, shape);
  const generatedMs = performance.now() - started;
  renameSync(partial, path);
  log(`generated ${count.toLocaleString("en")} changes into ${path} in ${(generatedMs / 1000).toFixed(1)} s`);
  return { path, generatedMs };
}

/** Writes a fresh copy of a (small) data set at `path`, for benchmarks that write to it. */
export function freshDataset(path: string, shape: DatasetShape): void {
  for (const suffix of ["", "-wal", "-shm"]) rmSync(path + suffix, { force: true });
  writeDataset(path, shape);
}
