import { createContextValues, type HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { CLIENT_ADDRESS, callOf, describeMethod } from "../../../src/server/call-context.js";
import { createStreamLimit } from "../../../src/server/stream-limit.js";

const watch = describeMethod(FeatureFlagService.method.watchChanges);

describe("createStreamLimit", () => {
  const from = (address: string) => callOf(watch, { values: valuesAt(address) } as unknown as HandlerContext);

  it("refuses one stream more than a client may hold, and takes it again once one ends", () => {
    const limit = createStreamLimit({ maxPerClient: 2, maxTotal: 10 });
    const first = limit.open(from("10.0.0.1"));
    limit.open(from("10.0.0.1"));
    expect(() => limit.open(from("10.0.0.1"))).toThrow(/client 10\.0\.0\.1 already has 2 streams open/);
    limit.open(from("10.0.0.2"));
    first();
    first(); // a second release gives back nothing
    limit.open(from("10.0.0.1"));
    expect(() => limit.open(from("10.0.0.1"))).toThrow(expect.objectContaining({ code: "RESOURCE_EXHAUSTED" }));
  });

  it("refuses one stream more than all clients together may hold", () => {
    const limit = createStreamLimit({ maxPerClient: 5, maxTotal: 2 });
    limit.open(from("10.0.0.1"));
    const second = limit.open(from("10.0.0.2"));
    expect(() => limit.open(from("10.0.0.3"))).toThrow(/the server already has 2 streams open/);
    second();
    limit.open(from("10.0.0.3"));
  });
});

function valuesAt(address: string) {
  const values = createContextValues();
  values.set(CLIENT_ADDRESS, address);
  return values;
}
