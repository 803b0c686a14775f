import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Code } from "@connectrpc/connect";
import { RolloutStickiness } from "../../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../../src/client/create-flag-client.js";
import { callOutcome } from "../../support/call-outcome.js";
import { expecting, type RefusalRow } from "../../support/refusal-table.js";
import { dumpStateWithSegments } from "../../support/segment-dump.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// Every request here is refused, over Connect and native gRPC (grpc-js): each row checks the status code, that
// the message names the offending value and the rule, and that the whole observable state (segments and their
// members included) is exactly as it was.

const invalid = expecting(Code.InvalidArgument);
const notFound = expecting(Code.NotFound);
const exists = expecting(Code.AlreadyExists);

const ID_RULE = String.raw`use 1-128 letters, digits, '\.', '_', ':', '@' or '-'`;
const NAME_RULE = String.raw`use 1-128 letters, digits, '\.', '_' or '-'`;
const ids = (count: number, prefix = "id") => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
/** 10,001 ids of a real customer: a valid call but for its size (the limit counts the ids sent). */
const TOO_MANY: string[] = Array(10_001).fill("101");

const rows: RefusalRow[] = [
  // Rollouts.
  invalid("SetRollout", "basis_points 10001", /basis_points 10001 is out of range: use 0-10000 \(0\.00%-100\.00%; 2500 is 25%\)/, (c) =>
    c.setRollout({ feature: "dashboard", rollout: { basisPoints: 10_001 } }),
  ),
  invalid("SetRollout", "basis_points -1", /basis_points -1 is out of range: use 0-10000/, (c) =>
    c.setRollout({ feature: "dashboard", rollout: { basisPoints: -1 } }),
  ),
  invalid("SetRollout", "stickiness 7", /stickiness 7 is unknown: use ROLLOUT_STICKINESS_USER or ROLLOUT_STICKINESS_CUSTOMER/, (c) =>
    c.setRollout({ feature: "dashboard", rollout: { basisPoints: 100, stickiness: 7 as RolloutStickiness } }),
  ),
  invalid("SetRollout", "no rollout", /rollout is missing: set rollout\.basis_points \(0-10000\)/, (c) => c.setRollout({ feature: "dashboard" })),
  invalid("SetRollout", "feature name 'a b'", /feature name "a b" is invalid/, (c) => c.setRollout({ feature: "a b", rollout: { basisPoints: 1 } })),
  notFound("SetRollout", "unknown feature", /feature "dashbord" not found/, (c) => c.setRollout({ feature: "dashbord", rollout: { basisPoints: 1 } })),
  notFound("ClearRollout", "unknown feature", /feature "dashbord" not found/, (c) => c.clearRollout({ feature: "dashbord" })),

  // Segments.
  invalid("CreateSegment", "empty name", `segment name is empty: ${NAME_RULE}`, (c) => c.createSegment({ name: "" })),
  invalid("CreateSegment", "name 'beta testers'", `segment name "beta testers" is invalid: ${NAME_RULE}`, (c) => c.createSegment({ name: "beta testers" })),
  exists("CreateSegment", "existing 'beta'", /segment "beta" already exists/, (c) => c.createSegment({ name: "beta" })),
  exists("RenameSegment", "onto existing 'vip'", /cannot rename segment "beta" to "vip": a segment with that name already exists/, (c) =>
    c.renameSegment({ name: "beta", newName: "vip" }),
  ),
  invalid("RenameSegment", "new name '-x'", /new segment name "-x" is invalid/, (c) => c.renameSegment({ name: "beta", newName: "-x" })),
  notFound("RenameSegment", "unknown segment", /segment "gamma" not found/, (c) => c.renameSegment({ name: "gamma", newName: "delta" })),
  notFound("DeleteSegment", "unknown segment", /segment "gamma" not found/, (c) => c.deleteSegment({ name: "gamma" })),
  notFound("GetSegment", "unknown segment", /segment "gamma" not found/, (c) => c.getSegment({ name: "gamma" })),
  notFound("ListSegmentMembers", "unknown segment", /segment "gamma" not found/, (c) => c.listSegmentMembers({ segment: "gamma" })),
  invalid("ListSegments", "page_size 1001", /page_size 1001 is out of range/, (c) => c.listSegments({ pageSize: 1001 })),
  invalid("ListSegmentMembers", "page_token of ListSegments", /page_token is not valid for segment-members/, (c) =>
    c.listSegmentMembers({ segment: "beta", pageToken: Buffer.from("segments\nbeta").toString("base64url") }),
  ),

  // Bulk membership.
  invalid("AddSegmentMembers", "no ids", /no members given: set customer_ids and\/or user_ids \(1-10000 ids per call\)/, (c) =>
    c.addSegmentMembers({ segment: "beta" }),
  ),
  invalid("AddSegmentMembers", "10,001 ids", /10001 members in one call is too many: send at most 10000 customer and user ids per call/, (c) =>
    c.addSegmentMembers({ segment: "beta", customerIds: TOO_MANY }),
  ),
  invalid("RemoveSegmentMembers", "10,001 ids", /10001 members in one call is too many/, (c) =>
    c.removeSegmentMembers({ segment: "beta", customerIds: Array(5000).fill("202"), userIds: Array(5001).fill("789") }),
  ),
  invalid("AddSegmentMembers", "a malformed user id among good ones", `user_ids\\[2\\]: user id "bad/id" is invalid: ${ID_RULE}`, (c) =>
    c.addSegmentMembers({ segment: "beta", customerIds: ["101"], userIds: ["456", "789", "bad/id"] }),
  ),
  notFound("AddSegmentMembers", "unknown customers among known ones", /^3 customers not found: "x1", "x2", "x3"; create them first$/, (c) =>
    c.addSegmentMembers({ segment: "beta", customerIds: ["101", "x1", "x2", "202", "x3"] }),
  ),
  notFound("AddSegmentMembers", "9 unknown users", /^9 users not found: "ghost0", "ghost1", "ghost2", "ghost3", "ghost4" and 4 more; create them first$/, (c) =>
    c.addSegmentMembers({ segment: "beta", userIds: ["456", ...ids(9, "ghost")] }),
  ),
  notFound("RemoveSegmentMembers", "an unknown user", /1 user not found: "ghost"/, (c) =>
    c.removeSegmentMembers({ segment: "beta", customerIds: ["101"], userIds: ["ghost"] }),
  ),
  notFound("AddSegmentMembers", "unknown segment", /segment "gamma" not found/, (c) => c.addSegmentMembers({ segment: "gamma", customerIds: ["101"] })),

  // Segment rules.
  notFound("SetSegmentRule", "unknown segment", /segment "gamma" not found/, (c) =>
    c.setSegmentRule({ feature: "dashboard", segment: "gamma", enabled: true }),
  ),
  notFound("SetSegmentRule", "unknown feature", /feature "dashbord" not found/, (c) =>
    c.setSegmentRule({ feature: "dashbord", segment: "beta", enabled: true }),
  ),
  invalid("ClearSegmentRule", "segment name 'a b'", /segment name "a b" is invalid/, (c) => c.clearSegmentRule({ feature: "dashboard", segment: "a b" })),

  // Bulk evaluation.
  invalid("EvaluateAll", "customer id 'has space'", `customer id "has space" is invalid: ${ID_RULE}`, (c) => c.evaluateAll({ customerId: "has space" })),
  invalid("EvaluateBatch", "10,001 contexts", /10001 contexts in one call is too many: send at most 10000 per call, split over several calls/, (c) =>
    c.evaluateBatch({ feature: "dashboard", contexts: ids(10_001).map((userId) => ({ userId })) }),
  ),
  invalid("EvaluateBatch", "a malformed id in context 2", `contexts\\[2\\]: user id "bad/id" is invalid: ${ID_RULE}`, (c) =>
    c.evaluateBatch({ feature: "dashboard", contexts: [{ userId: "456" }, { customerId: "101" }, { userId: "bad/id" }] }),
  ),
  notFound("EvaluateBatch", "unknown feature", /feature "dashbord" not found/, (c) => c.evaluateBatch({ feature: "dashbord", contexts: [{}] })),
];

let ts: TestServer;
let reader: FlagClient;

beforeAll(async () => {
  ts = await startTestServer();
  reader = ts.client("connect");
  const seed = ts.client("connect", "seed-bot");
  await seed.createFeature({ name: "dashboard" });
  await seed.createCustomer({ id: "101" });
  await seed.createCustomer({ id: "202" });
  await seed.createUser({ id: "456", customerId: "101" });
  await seed.createUser({ id: "789" });
  await seed.createSegment({ name: "beta" });
  await seed.createSegment({ name: "vip" });
  await seed.addSegmentMembers({ segment: "beta", customerIds: ["202"], userIds: ["789"] });
  await seed.setSegmentRule({ feature: "dashboard", segment: "beta", enabled: true });
  await seed.setRollout({ feature: "dashboard", rollout: { basisPoints: 2500, stickiness: RolloutStickiness.CUSTOMER } });
});

afterAll(async () => {
  await ts?.close();
});

describe.each(["connect", "grpc"] as const)("rollout, segment and bulk-evaluation bad input over %s", (protocol) => {
  for (const { rpc, input, code, message, call } of rows) {
    it(`${rpc} refuses ${input}`, async () => {
      const before = await dumpStateWithSegments(reader, 100);
      const outcome = await callOutcome(call(ts.client(protocol)));
      const after = await dumpStateWithSegments(reader, 100);
      expect.soft(outcome).toEqual({ code: Code[code], message: expect.stringMatching(message) });
      expect.soft(after, "data changed").toEqual(before);
    });
  }

  it("the same bulk call with exactly 10,000 ids is accepted (and undone)", async () => {
    const client = ts.client(protocol);
    const customerIds: string[] = [...Array(9_998).fill("101"), "202"];
    const added = await client.addSegmentMembers({ segment: "vip", customerIds, userIds: ["456"] });
    expect((await client.getSegment({ name: "vip" })).segment).toMatchObject({ customerCount: 2, userCount: 1 });
    const removed = await client.removeSegmentMembers({ segment: "vip", customerIds, userIds: ["456"] });
    expect(removed.revision).toBe(added.revision + 1n);
    expect((await client.getSegment({ name: "vip" })).segment).toMatchObject({ customerCount: 0, userCount: 0 });
  });
});
