import { create, toBinary } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { WatchChangesResponseSchema, WatchEvaluationResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { broadcastBytes, broadcastMessage } from "../../../src/server/broadcast-encoder.js";

// A change or heartbeat fanned out to every watcher must cost one message and one encoding per response type.

const heartbeat = (revision: bigint) => ({ heartbeat: { revision } });

describe("broadcastMessage and broadcastBytes", () => {
  it("build and encode once per event and response type, the same bytes protobuf-es writes", () => {
    const event = {};
    let builds = 0;
    const build = () => (builds++, heartbeat(7n));
    const first = broadcastMessage(WatchChangesResponseSchema, event, build);
    expect(broadcastMessage(WatchChangesResponseSchema, event, build)).toBe(first);
    expect(builds).toBe(1);
    const bytes = broadcastBytes(first);
    expect(broadcastBytes(first)).toBe(bytes);
    expect(Buffer.from(bytes ?? []).toString("hex")).toBe(
      Buffer.from(toBinary(WatchChangesResponseSchema, create(WatchChangesResponseSchema, heartbeat(7n)))).toString("hex"),
    );
    // The same heartbeat on another kind of stream is another message, with its own bytes.
    const other = broadcastMessage(WatchEvaluationResponseSchema, event, build);
    expect(builds).toBe(2);
    expect(other.$typeName).toBe(WatchEvaluationResponseSchema.typeName);
    expect(broadcastBytes(other)).not.toBe(bytes);
  });

  it("keep events apart and know nothing of other values", () => {
    const a = broadcastMessage(WatchChangesResponseSchema, {}, () => heartbeat(1n));
    const b = broadcastMessage(WatchChangesResponseSchema, {}, () => heartbeat(2n));
    expect(a).not.toBe(b);
    expect(broadcastBytes(create(WatchChangesResponseSchema, heartbeat(1n)))).toBeUndefined();
    expect(broadcastBytes(undefined)).toBeUndefined();
    expect(broadcastBytes("text")).toBeUndefined();
  });
});
