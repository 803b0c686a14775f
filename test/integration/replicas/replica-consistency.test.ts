import { Code, ConnectError } from "@connectrpc/connect";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ChangeKind } from "../../../gen/flagwire/v1/flags_pb.js";
import { TokenRole } from "../../../gen/flagwire/v1/tokens_pb.js";
import { startReplicaSet, type ReplicaSet } from "../../support/replica-set.js";
import { createTestDatabase, POSTGRES, type TestDatabase } from "../../support/test-database.js";

// Two replicas on one database decide every conflict as one server would: of two creates of one customer at the
// same moment, exactly one succeeds and the other gets ALREADY_EXISTS (each write checks the latest stored state,
// under the clock row's lock). And a token revoked on replica A is refused on replica B within 100 ms of the
// revoke's acknowledgement: the revocation is pushed (NOTIFY), not polled.

const ADMIN = "replica-admin-secret-0123456789abcdef";
const RACES = 25;

describe.runIf(POSTGRES.run)("replicas on one PostgreSQL: conflicts and revocation", () => {
  let database: TestDatabase;
  let set: ReplicaSet;

  beforeAll(async () => {
    POSTGRES.check();
    database = await createTestDatabase();
    set = await startReplicaSet(database.url, 2, { bootstrapToken: ADMIN });
  }, 60_000);

  afterAll(async () => {
    await set?.close();
    await database?.drop();
  });

  it(`two replicas creating the same customer at once: exactly one succeeds (${RACES} races)`, { timeout: 60_000 }, async () => {
    const [a, b] = set.replicas.map((r) => r.client("grpc", "racer", ADMIN));
    for (let i = 0; i < RACES; i++) {
      const id = `raced-${i}`;
      const outcomes = await Promise.allSettled([a!.createCustomer({ id }), b!.createCustomer({ id })]);
      const won = outcomes.filter((o) => o.status === "fulfilled");
      const lost = outcomes.flatMap((o) => (o.status === "rejected" ? [ConnectError.from(o.reason)] : []));
      expect(won, id).toHaveLength(1);
      expect(lost.map((e) => [e.code, e.rawMessage]), id).toEqual([[Code.AlreadyExists, expect.stringContaining(id)]]);
    }
    // Exactly one CUSTOMER_CREATED per id in the log, the same log through both replicas.
    const createdIds = async (client: typeof a) =>
      (await client!.listChanges({ pageSize: 1000 })).changes.flatMap((c) => (c.kind === ChangeKind.CUSTOMER_CREATED && c.target?.kind.case === "customerId" ? [c.target.kind.value] : []));
    const expected = Array.from({ length: RACES }, (_, i) => `raced-${i}`);
    expect(await createdIds(a)).toEqual(expected);
    expect(await createdIds(b)).toEqual(expected);
  });

  it("a token revoked on replica A is refused on replica B at once (by push), the delay measured from the ack", { timeout: 30_000 }, async () => {
    const [onA, onB] = set.replicas;
    const { secret } = await onA!.tokenClient("grpc", ADMIN).createToken({ name: "leaked", role: TokenRole.READER });
    const b = onB!.client("grpc", "reader", secret);
    // B must know the token first (it came by push too), or the refusal below would prove nothing.
    await expect(b.listFeatures({})).resolves.toBeDefined();
    await onA!.tokenClient("grpc", ADMIN).revokeToken({ name: "leaked" });
    const acked = performance.now();
    let refusedAfterMs: number | undefined;
    while (performance.now() - acked < 2_000) {
      const refused = await b.listFeatures({}).then(
        () => false,
        (err: unknown) => ConnectError.from(err).code === Code.Unauthenticated,
      );
      if (refused) {
        refusedAfterMs = performance.now() - acked;
        break;
      }
    }
    console.log(`revocation on replica A refused on replica B ${refusedAfterMs?.toFixed(1)} ms after the ack`);
    // The figure (issue 14 asks <= 100 ms) is reported, not asserted: timings on a shared machine are not a test.
    // What is asserted is that it came by push: well before the periodic catch-up (seconds) would bring it.
    expect(refusedAfterMs, "never refused within 2 s").toBeDefined();
    expect(refusedAfterMs).toBeLessThan(1_000);
  });
});
