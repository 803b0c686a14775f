import { describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../gen/flagwire/v1/tokens_pb.js";
import { Health } from "../../gen/grpc/health/v1/health_pb.js";
import { ServerReflection } from "../../gen/grpc/reflection/v1/reflection_pb.js";
import { requiredRole } from "../../src/server/auth/method-roles.js";
import { describeMethod, type RpcMethod } from "../../src/server/call-context.js";

const method = (service: { methods: Array<Parameters<typeof describeMethod>[0]> }, name: string) => {
  const found = service.methods.find((m) => m.name === name);
  if (!found) throw new Error(`no method ${name}`);
  return describeMethod(found);
};

describe("requiredRole", () => {
  it.each([
    [FeatureFlagService, "GetFeature", "reader"],
    [FeatureFlagService, "WatchChanges", "reader"],
    [FeatureFlagService, "CreateFeature", "editor"],
    [FeatureFlagService, "SetSegmentRule", "editor"],
    [TokenService, "ListTokens", "admin"],
    [Health, "Check", null],
    [ServerReflection, "ServerReflectionInfo", null],
  ] as const)("%# %s needs %s", (service, name, role) => {
    expect(requiredRole(method(service, name))).toBe(role);
  });

  it("protects health and reflection on request, and fails closed for a method it does not know", () => {
    expect(requiredRole(method(Health, "Check"), { health: true })).toBe("reader");
    expect(requiredRole(method(ServerReflection, "ServerReflectionInfo"), { reflection: true })).toBe("reader");
    const unknown: RpcMethod = { service: "flagwire.v1.FeatureFlagService", method: "Nope", name: "flagwire.v1.FeatureFlagService/Nope", kind: "unary", readOnly: true };
    expect(requiredRole(unknown)).toBe("admin");
    expect(requiredRole({ ...unknown, service: "other.v1.Other" })).toBe("admin");
  });

  it("gives every FeatureFlagService method a role below admin", () => {
    for (const m of FeatureFlagService.methods) expect(requiredRole(describeMethod(m)), m.name).not.toBe("admin");
  });
});
