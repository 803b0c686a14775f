import type { HandlerContext, ServiceImpl } from "@connectrpc/connect";
import { DomainError } from "../../domain/domain-error.js";
import type { Evaluation } from "../../domain/evaluate.js";
import { callerName } from "../auth/create-call-guard.js";
import { broadcastMessage } from "../broadcast-encoder.js";
import { mapStream } from "../stream-passthrough.js";
import { WATCH_TRANSPORT } from "../watch-transport.js";
import { createEvaluateHandlers } from "./evaluate-handlers.js";
import type { UsageTracker } from "../../engine/usage-tracker.js";
import { listStaleFeatures } from "../../engine/stale-features.js";
import { withUsage } from "./usage-mapping.js";
import { quote } from "../../domain/identifiers.js";
import { toPageRequest } from "../../domain/pagination.js";
import { create } from "@bufbuild/protobuf";
import type { FlagEngine, WatchEvent } from "../../engine/flag-engine.js";
import type { FlagQueries } from "../../engine/flag-queries.js";
import { copyFeature, copySegment } from "../../engine/record-copies.js";
import {
  FeatureFlagService,
  WatchChangesResponseSchema,
  WatchEvaluationResponseSchema,
  type WatchChangesResponse,
} from "../../../gen/flagwire/v1/flags_pb.js";
import {
  changeToProto,
  customerToProto,
  evaluationToProto,
  featureToProto,
  featureValueToProto,
  filterFromProto,
  heartbeatToProto,
  kindFromProto,
  overrideKindFromProto,
  snapshotChunkToProto,
  rolloutFromProto,
  segmentToProto,
  targetFromProto,
  targetToProto,
  userToProto,
} from "./proto-mapping.js";

/** What the service needs from the engine: its read queries, and writes, the change log and watches. */
export type FlagServiceEngine = FlagQueries & Pick<FlagEngine, "revision" | "state" | "submit" | "listChanges" | "searchChanges" | "watch" | "watchEvaluation">;

/** What the service counts evaluations in and reads usage from (engine/usage-tracker.ts). */
export type FlagUsage = Pick<UsageTracker, "count" | "countAll" | "countMany" | "usageOf">;

/** No usage tracking: nothing counted, every feature reads as never evaluated. */
const NO_USAGE: FlagUsage = {
  count: () => undefined,
  countAll: () => undefined,
  countMany: () => undefined,
  usageOf: () => ({ lastEvaluatedAt: undefined, today: 0, last7Days: 0, last30Days: 0 }),
};

/** The request header that names who made a change; recorded in the change log. */
export const ACTOR_HEADER = "x-flagwire-actor";
// HTTP/2 metadata and HTTP/1.1 headers agree only on printable ASCII: anything else arrives garbled or not at all.
const ACTOR = /^[\x20-\x7e]{1,128}$/;

/**
 * Who makes a change: the name of the caller's API token. The header counts only while authentication is off;
 * with a token it is ignored, so that no caller can record a change in someone else's name.
 */
function actorOf(context: HandlerContext): string | null {
  const caller = callerName(context);
  if (caller !== undefined) return caller;
  const actor = context.requestHeader.get(ACTOR_HEADER)?.trim();
  if (!actor) return null;
  if (!ACTOR.test(actor)) {
    throw new DomainError(
      "INVALID_ARGUMENT",
      `${ACTOR_HEADER} ${quote(actor)} is invalid: use 1-128 printable ASCII characters`,
    );
  }
  return actor;
}

/** A write's response: the revision it produced (or the current one when it changed nothing). */
function written(result: { revision: number }): { revision: bigint } {
  return { revision: revisionToProto(result.revision) };
}

/** Revisions are numbers inside (they stay far below 2^53) and int64 on the wire. */
function revisionToProto(revision: number): bigint {
  return BigInt(revision);
}

/** A revision from a request; INVALID_ARGUMENT when negative. */
function revisionFromProto(revision: bigint): number {
  if (revision < 0n || revision > BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new DomainError("INVALID_ARGUMENT", `since_revision ${revision} is out of range: use 0 for the whole log, or a revision you received`);
  }
  return Number(revision);
}

/** A watch event as its response: changes and heartbeats reach every watcher, so they are built and encoded once. */
function watchResponse(event: WatchEvent): WatchChangesResponse {
  if (event.type === "snapshot") return create(WatchChangesResponseSchema, { snapshot: snapshotChunkToProto(event.chunk) });
  if (event.type === "change") return broadcastMessage(WatchChangesResponseSchema, event, () => ({ change: changeToProto(event.change) }));
  return broadcastMessage(WatchChangesResponseSchema, event, () => ({ heartbeat: heartbeatToProto(event) }));
}

/**
 * The one implementation of FeatureFlagService, served by both listeners. Handlers only translate between
 * protobuf and the engine; every rule lives in the domain.
 */
export function createFlagService(engine: FlagServiceEngine, usage: FlagUsage = NO_USAGE): ServiceImpl<typeof FeatureFlagService> {
  const evaluations = createEvaluateHandlers(engine, usage);
  return {
    async createFeature(req, ctx) {
      const { revision, view } = await engine.submit(
        { kind: "feature.created", feature: req.name, enabled: req.enabled, description: req.description },
        actorOf(ctx),
        () => copyFeature(engine.getFeature(req.name)),
      );
      return { feature: featureToProto(view), revision: revisionToProto(revision) };
    },
    getFeature(req) {
      const feature = engine.getFeature(req.name);
      return { feature: withUsage(featureToProto(feature), usage.usageOf(feature.name)), revision: revisionToProto(engine.revision) };
    },
    listFeatures(req) {
      const revision = revisionToProto(engine.revision);
      if (req.staleDays !== 0) {
        const page = listStaleFeatures(engine.state, usage, req.staleDays, Date.now(), toPageRequest("stale-features", req.pageSize, req.pageToken), req.query);
        const features = page.items.map(({ feature, reasons }) => withUsage(featureToProto(feature), usage.usageOf(feature.name), reasons));
        return { features, nextPageToken: page.nextPageToken, revision };
      }
      const page = engine.listFeatures(toPageRequest("features", req.pageSize, req.pageToken), req.query);
      const features = page.items.map((feature) => withUsage(featureToProto(feature), usage.usageOf(feature.name)));
      return { features, nextPageToken: page.nextPageToken, revision };
    },
    async renameFeature(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "feature.renamed", feature: req.name, newName: req.newName }, actorOf(ctx), () =>
        copyFeature(engine.getFeature(req.newName)),
      );
      return { feature: featureToProto(view), revision: revisionToProto(revision) };
    },
    async deleteFeature(req, ctx) {
      return written(await engine.submit({ kind: "feature.deleted", feature: req.name }, actorOf(ctx)));
    },
    async setFeatureEnabled(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "feature.enabled_set", feature: req.name, enabled: req.enabled }, actorOf(ctx), () =>
        copyFeature(engine.getFeature(req.name)),
      );
      return { feature: featureToProto(view), revision: revisionToProto(revision) };
    },
    async createCustomer(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "customer.created", customerId: req.id }, actorOf(ctx), () =>
        engine.getCustomer(req.id),
      );
      return { customer: customerToProto(view), revision: revisionToProto(revision) };
    },
    async deleteCustomer(req, ctx) {
      return written(await engine.submit({ kind: "customer.deleted", customerId: req.id }, actorOf(ctx)));
    },
    listCustomers(req) {
      const page = engine.listCustomers(toPageRequest("customers", req.pageSize, req.pageToken), req.query);
      return { customers: page.items.map(customerToProto), nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async createUser(req, ctx) {
      const { revision, view } = await engine.submit(
        { kind: "user.created", userId: req.id, customerId: req.customerId === "" ? null : req.customerId },
        actorOf(ctx),
        () => engine.getUser(req.id),
      );
      return { user: userToProto(view), revision: revisionToProto(revision) };
    },
    async deleteUser(req, ctx) {
      return written(await engine.submit({ kind: "user.deleted", userId: req.id }, actorOf(ctx)));
    },
    listUsers(req) {
      const page = engine.listUsers(req.customerId, toPageRequest("users", req.pageSize, req.pageToken), req.query);
      return { users: page.items.map(userToProto), nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async setOverride(req, ctx) {
      return written(
        await engine.submit(
          { kind: "override.set", feature: req.feature, target: targetFromProto(req.target), enabled: req.enabled },
          actorOf(ctx),
        ),
      );
    },
    async clearOverride(req, ctx) {
      return written(
        await engine.submit({ kind: "override.cleared", feature: req.feature, target: targetFromProto(req.target) }, actorOf(ctx)),
      );
    },
    evaluate(req) {
      const { evaluation, revision } = evaluations.evaluate(req);
      const { enabled, reason, segment } = evaluationToProto(evaluation);
      return { enabled, reason, segment, revision: revisionToProto(revision) };
    },
    listCustomersWithFeature(req) {
      const filter = filterFromProto(req.filter);
      const page = engine.listCustomersWithFeature(req.feature, filter, toPageRequest("customers-with-feature", req.pageSize, req.pageToken));
      return { customerIds: page.items, nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    listFeaturesForCustomer(req) {
      const page = engine.listFeaturesForCustomer(req.customerId, toPageRequest("features-for-customer", req.pageSize, req.pageToken));
      return { features: page.items, nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async setRollout(req, ctx) {
      const rollout = rolloutFromProto(req.rollout);
      const { revision, view } = await engine.submit({ kind: "rollout.set", feature: req.feature, rollout }, actorOf(ctx), () => copyFeature(engine.getFeature(req.feature)));
      return { feature: featureToProto(view), revision: revisionToProto(revision) };
    },
    async clearRollout(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "rollout.cleared", feature: req.feature }, actorOf(ctx), () => copyFeature(engine.getFeature(req.feature)));
      return { feature: featureToProto(view), revision: revisionToProto(revision) };
    },
    async createSegment(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "segment.created", segment: req.name }, actorOf(ctx), () => copySegment(engine.getSegment(req.name)));
      return { segment: segmentToProto(view), revision: revisionToProto(revision) };
    },
    getSegment(req) {
      const segment = segmentToProto(engine.getSegment(req.name));
      const rules = engine.segmentRules(req.name).map((rule) => ({ ...rule, segment: req.name }));
      return { segment, rules, revision: revisionToProto(engine.revision) };
    },
    listSegments(req) {
      const page = engine.listSegments(toPageRequest("segments", req.pageSize, req.pageToken));
      return { segments: page.items.map(segmentToProto), nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async renameSegment(req, ctx) {
      const { revision, view } = await engine.submit({ kind: "segment.renamed", segment: req.name, newName: req.newName }, actorOf(ctx), () => copySegment(engine.getSegment(req.newName)));
      return { segment: segmentToProto(view), revision: revisionToProto(revision) };
    },
    async deleteSegment(req, ctx) {
      return written(await engine.submit({ kind: "segment.deleted", segment: req.name }, actorOf(ctx)));
    },
    async addSegmentMembers(req, ctx) {
      const { segment, customerIds, userIds } = req;
      return written(await engine.submit({ kind: "segment.members_added", segment, customerIds, userIds }, actorOf(ctx)));
    },
    async removeSegmentMembers(req, ctx) {
      const { segment, customerIds, userIds } = req;
      return written(await engine.submit({ kind: "segment.members_removed", segment, customerIds, userIds }, actorOf(ctx)));
    },
    listSegmentMembers(req) {
      const page = engine.listSegmentMembers(req.segment, toPageRequest("segment-members", req.pageSize, req.pageToken));
      const members = page.items.map((member) => ({ kind: targetToProto(member) }));
      return { members, nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async setSegmentRule(req, ctx) {
      const { feature, segment, enabled } = req;
      return written(await engine.submit({ kind: "segment_rule.set", feature, segment, enabled }, actorOf(ctx)));
    },
    async clearSegmentRule(req, ctx) {
      return written(await engine.submit({ kind: "segment_rule.cleared", feature: req.feature, segment: req.segment }, actorOf(ctx)));
    },
    evaluateAll(req) {
      const all = evaluations.evaluateAll(req);
      const out = new Array<{ feature: string; enabled: boolean; reason: number; segment: string }>(all.features.length);
      for (let i = 0; i < out.length; i++) {
        const { enabled, reason, segment } = evaluationToProto(all.evaluations[i] as Evaluation);
        out[i] = { feature: all.features[i] as string, enabled, reason, segment };
      }
      return { evaluations: out, revision: revisionToProto(all.revision) };
    },
    evaluateBatch(req) {
      // The contexts are used as they are: EvaluationContext messages have the domain context's two fields.
      const results = engine.evaluateBatch(req.feature, req.contexts);
      usage.countMany(req.feature, results.length);
      const out = new Array<ReturnType<typeof evaluationToProto>>(results.length);
      for (let i = 0; i < results.length; i++) out[i] = evaluationToProto(results[i] as Evaluation);
      return { results: out, revision: revisionToProto(engine.revision) };
    },
    async listChanges(req) {
      const since = revisionFromProto(req.sinceRevision);
      const revision = revisionToProto(engine.revision);
      const page = await engine.listChanges(since, toPageRequest("changes", req.pageSize, req.pageToken));
      return {
        changes: page.items.map(changeToProto),
        nextPageToken: page.nextPageToken,
        revision,
        prunedThroughRevision: revisionToProto(page.prunedThrough),
      };
    },
    listFeatureOverrides(req) {
      const kind = overrideKindFromProto(req.targetKind);
      const page = engine.listFeatureOverrides(req.feature, kind, req.query, toPageRequest("feature-overrides", req.pageSize, req.pageToken));
      const overrides = page.items.map(({ target, enabled }) => ({ feature: req.feature, target: { kind: targetToProto(target) }, enabled }));
      return { overrides, nextPageToken: page.nextPageToken, revision: revisionToProto(engine.revision) };
    },
    async searchChanges(req) {
      const revision = revisionToProto(engine.revision);
      const query = { feature: req.feature, actor: req.actor, kinds: req.kinds.map(kindFromProto) };
      const page = await engine.searchChanges(query, toPageRequest("change-search", req.pageSize, req.pageToken));
      return { changes: page.items.map(changeToProto), nextPageToken: page.nextPageToken, revision };
    },
    watchChanges(req, ctx) {
      const since = req.sinceRevision === undefined ? undefined : revisionFromProto(req.sinceRevision);
      const options = { sinceRevision: since, features: req.features, includeSnapshot: req.includeSnapshot, transport: ctx.values.get(WATCH_TRANSPORT) };
      return mapStream(engine.watch(options, ctx.signal), watchResponse);
    },
    async *watchEvaluation(req, ctx) {
      const context = { customerId: req.customerId, userId: req.userId };
      for await (const event of engine.watchEvaluation(req.features, context, ctx.signal, ctx.values.get(WATCH_TRANSPORT))) {
        yield event.type === "heartbeat"
          ? broadcastMessage(WatchEvaluationResponseSchema, event, () => ({ heartbeat: heartbeatToProto(event) }))
          : { evaluations: event.values.map(featureValueToProto), revision: revisionToProto(event.revision) };
      }
    },
  };
}
