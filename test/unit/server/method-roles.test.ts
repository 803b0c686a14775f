import { describe, expect, it } from "vitest";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../../gen/flagwire/v1/tokens_pb.js";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import { Service as FlagdV1 } from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import { Service as FlagdV2 } from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { ServerReflection } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { requiredRole } from "../../../src/server/auth/method-roles.js";
import { describeMethod, type RpcMethod } from "../../../src/server/call-context.js";

describe("requiredRole", () => {
  it.each([
    { method: FeatureFlagService.method.getFeature, role: "reader" },
    { method: FeatureFlagService.method.watchChanges, role: "reader" },
    { method: FeatureFlagService.method.createFeature, role: "editor" },
    { method: FeatureFlagService.method.setSegmentRule, role: "editor" },
    { method: TokenService.method.listTokens, role: "admin" },
    { method: FlagdV1.method.resolveBoolean, role: "reader" },
    { method: FlagdV1.method.eventStream, role: "reader" },
    { method: FlagdV2.method.resolveAll, role: "reader" },
    { method: Health.method.check, role: null },
    { method: ServerReflection.method.serverReflectionInfo, role: null },
  ] as const)("$method.parent.typeName/$method.name needs $role", ({ method, role }) => {
    expect(requiredRole(describeMethod(method))).toBe(role);
  });

  it("protects health and reflection on request, and fails closed for a method it does not know", () => {
    expect(requiredRole(describeMethod(Health.method.check), { health: true })).toBe("reader");
    expect(requiredRole(describeMethod(ServerReflection.method.serverReflectionInfo), { reflection: true })).toBe("reader");
    const unknown: RpcMethod = { service: "flagwire.v1.FeatureFlagService", method: "Nope", name: "flagwire.v1.FeatureFlagService/Nope", kind: "unary", readOnly: true };
    expect(requiredRole(unknown)).toBe("admin");
    expect(requiredRole({ ...unknown, service: "other.v1.Other" })).toBe("admin");
  });

  it("gives every FeatureFlagService method a role below admin", () => {
    for (const m of FeatureFlagService.methods) expect(requiredRole(describeMethod(m)), m.name).not.toBe("admin");
  });
});
