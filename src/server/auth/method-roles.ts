import type { ServiceImpl } from "@connectrpc/connect";
import type { Role } from "../../domain/api-token.js";
import type { RpcMethod } from "../call-context.js";
import { FeatureFlagService } from "../../../gen/flagwire/v1/flags_pb.js";
import { TokenService } from "../../../gen/flagwire/v1/tokens_pb.js";
import { Health } from "../../../gen/grpc/health/v1/health_pb.js";
import { Service as FlagdEvaluationV1 } from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import { Service as FlagdEvaluationV2 } from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { ServerReflection as ServerReflectionV1 } from "../../../gen/grpc/reflection/v1/reflection_pb.js";
import { ServerReflection as ServerReflectionV1alpha } from "../../../gen/grpc/reflection/v1alpha/reflection_pb.js";

// The one table of who may call what. `satisfies` makes a new RPC without an entry a compile error.

const FLAG_METHODS = {
  evaluate: "reader",
  getFeature: "reader",
  listFeatures: "reader",
  listCustomers: "reader",
  listUsers: "reader",
  listCustomersWithFeature: "reader",
  listFeaturesForCustomer: "reader",
  listChanges: "reader",
  watchChanges: "reader",
  watchEvaluation: "reader",
  evaluateAll: "reader",
  evaluateBatch: "reader",
  getSegment: "reader",
  listSegments: "reader",
  listSegmentMembers: "reader",
  listFeatureOverrides: "reader",
  searchChanges: "reader",
  createFeature: "editor",
  renameFeature: "editor",
  deleteFeature: "editor",
  setFeatureEnabled: "editor",
  createCustomer: "editor",
  deleteCustomer: "editor",
  createUser: "editor",
  deleteUser: "editor",
  setOverride: "editor",
  clearOverride: "editor",
  setRollout: "editor",
  clearRollout: "editor",
  createSegment: "editor",
  renameSegment: "editor",
  deleteSegment: "editor",
  addSegmentMembers: "editor",
  removeSegmentMembers: "editor",
  setSegmentRule: "editor",
  clearSegmentRule: "editor",
} as const satisfies Record<keyof ServiceImpl<typeof FeatureFlagService>, Role>;

const TOKEN_METHODS = {
  createToken: "admin",
  listTokens: "admin",
  revokeToken: "admin",
  // Every caller may learn its own role: the dashboard shows only what the caller may do.
  getCaller: "reader",
} as const satisfies Record<keyof ServiceImpl<typeof TokenService>, Role>;

// OFREP on the HTTP port (named in http/ofrep/ofrep-call.ts; a unit test keeps the names in step): reads, as Evaluate is.
const OFREP_ROLES: [string, ReadonlyMap<string, Role>] = [
  "ofrep.v1",
  new Map<string, Role>([
    ["EvaluateFlag", "reader"],
    ["EvaluateFlags", "reader"],
    ["Events", "reader"],
  ]),
];

// flagd's evaluation protocol only evaluates: reader, on both versions.
const FLAGD_METHODS = {
  resolveAll: "reader",
  resolveBoolean: "reader",
  resolveString: "reader",
  resolveFloat: "reader",
  resolveInt: "reader",
  resolveObject: "reader",
  eventStream: "reader",
} as const satisfies Record<keyof ServiceImpl<typeof FlagdEvaluationV1> & keyof ServiceImpl<typeof FlagdEvaluationV2>, Role>;

/** The flagd evaluation services: the stock flagd providers cannot send a token, so they may be admitted otherwise. */
export const FLAGD_SERVICES: ReadonlySet<string> = new Set([FlagdEvaluationV1.typeName, FlagdEvaluationV2.typeName]);

/** Which of the infrastructure services need a token; both are open by default (load balancers, grpcurl). */
export interface ProtectedInfrastructure {
  /** `grpc.health.v1.Health` needs a reader token. */
  health?: boolean;
  /** Server reflection needs a reader token. */
  reflection?: boolean;
  /** `GET /metrics` needs no token (`--public-metrics`); by default it needs a reader token while authentication is on. */
  publicMetrics?: boolean;
}

/** The service name under which the HTTP port's `GET /metrics` route (not an RPC) is admitted. */
export const METRICS_SERVICE = "flagwire.http.Metrics";

/**
 * The tables by each method's name in the contract (what a call description carries), read off the generated
 * services once, so that the keys above stay checked against the implementations.
 */
const ROLES_BY_NAME = new Map([
  byName(FeatureFlagService, FLAG_METHODS),
  byName(TokenService, TOKEN_METHODS),
  byName(FlagdEvaluationV1, FLAGD_METHODS),
  byName(FlagdEvaluationV2, FLAGD_METHODS),
  OFREP_ROLES,
]);

function byName(
  service: { typeName: string; methods: ReadonlyArray<{ name: string; localName: string }> },
  table: Readonly<Record<string, Role>>,
): [string, ReadonlyMap<string, Role>] {
  return [service.typeName, new Map(service.methods.map((m) => [m.name, table[m.localName] ?? "admin"]))];
}

/**
 * The role a method needs, or null when it is open to anyone. A method this table does not know needs
 * `admin`: a service mounted without an entry here fails closed.
 */
export function requiredRole(method: RpcMethod, protect: ProtectedInfrastructure = {}): Role | null {
  switch (method.service) {
    case Health.typeName:
      return protect.health ? "reader" : null;
    case ServerReflectionV1.typeName:
    case ServerReflectionV1alpha.typeName:
      return protect.reflection ? "reader" : null;
    case METRICS_SERVICE:
      return protect.publicMetrics ? null : "reader";
    default:
      return ROLES_BY_NAME.get(method.service)?.get(method.method) ?? "admin";
  }
}
