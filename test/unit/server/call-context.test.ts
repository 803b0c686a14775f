import { createContextValues, type HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { CLIENT_ADDRESS, callOf, clientAddress, describeMethod, rpcName } from "../../../src/server/call-context.js";

const method = (service: { methods: Array<Parameters<typeof describeMethod>[0]> }, name: string) => {
  const found = service.methods.find((m) => m.name === name);
  if (!found) throw new Error(`no method ${name}`);
  return describeMethod(found);
};

describe("describeMethod", () => {
  it.each([
    ["GetFeature", "unary", true],
    ["CreateFeature", "unary", false],
    ["WatchChanges", "server_streaming", true],
    ["Evaluate", "unary", true],
  ] as const)("%s is %s, readOnly %s", (name, kind, readOnly) => {
    expect(method(FeatureFlagService, name)).toEqual({
      service: "flagwire.v1.FeatureFlagService",
      method: name,
      name: `flagwire.v1.FeatureFlagService/${name}`,
      kind,
      readOnly,
    });
  });

  it("names an RPC package.Service/Method, as the log lines do", () => {
    expect(rpcName({ name: "Check", parent: { typeName: "grpc.health.v1.Health" } })).toBe("grpc.health.v1.Health/Check");
  });
});

describe("clientAddress", () => {
  it.each([
    ["::ffff:127.0.0.1", "127.0.0.1"],
    ["::1", "::1"],
    ["10.0.0.7", "10.0.0.7"],
    [undefined, "unknown"],
  ])("%s is named %s", (remote, named) => expect(clientAddress(remote)).toBe(named));
});

describe("callOf", () => {
  it("reads protocol, client address, headers and values from the handler context", () => {
    const values = createContextValues();
    values.set(CLIENT_ADDRESS, "10.1.2.3");
    const context = { protocolName: "grpc-web", values, requestHeader: new Headers({ authorization: "Bearer x" }) } as unknown as HandlerContext;
    const rpc = method(FeatureFlagService, "GetFeature");
    const call = callOf(rpc, context);
    expect(call.rpc).toBe(rpc);
    expect(call.protocol).toBe("grpc-web");
    expect(call.clientAddress).toBe("10.1.2.3");
    expect(call.header("authorization")).toBe("Bearer x");
    expect(call.header("x-missing")).toBeNull();
    expect(call.values).toBe(values);
  });

  it("reads nothing from the context until asked (the hot path reads none of it)", () => {
    const touched: string[] = [];
    const context = new Proxy({} as HandlerContext, {
      get: (_, key) => {
        touched.push(String(key));
        return undefined;
      },
    });
    callOf(method(FeatureFlagService, "Evaluate"), context);
    expect(touched).toEqual([]);
  });
});
