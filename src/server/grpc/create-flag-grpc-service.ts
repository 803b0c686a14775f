import type { ServiceImpl } from "@connectrpc/connect";
import {
  EvaluateAllRequestSchema,
  EvaluateRequestSchema,
  FeatureFlagService,
  type EvaluateAllRequest,
  type EvaluateRequest,
} from "../../../gen/flagwire/v1/flags_pb.js";
import { decodeRequest } from "../decode-request.js";
import type { EvaluateHandlers, EvaluationAt, EvaluationsAt } from "../services/evaluate-handlers.js";
import { createGrpcService, type GrpcService, type GrpcServiceOptions } from "./create-grpc-service.js";
import { decodeEvaluateRequest, encodeEvaluateAllResponse, encodeEvaluateResponse } from "./evaluate-codec.js";
import type { MethodCodec } from "./method-codec.js";

/**
 * FeatureFlagService as the gRPC listener serves it: the typed implementation, except that Evaluate and
 * EvaluateAll answer domain values ({@link EvaluateHandlers}), which the hand codecs write straight to bytes.
 */
export type GrpcFlagServiceImpl = Omit<ServiceImpl<typeof FeatureFlagService>, keyof EvaluateHandlers> & EvaluateHandlers;

/** The hand codecs of the gRPC port, per method; every other method uses protobuf-es (`protobufCodec`). */
export const FLAG_GRPC_CODECS: {
  evaluate: MethodCodec<EvaluateRequest, EvaluationAt>;
  evaluateAll: MethodCodec<EvaluateAllRequest, EvaluationsAt>;
} = {
  evaluate: {
    // Anything the hand reader leaves (non-ASCII, unknown fields, bad bytes) gets protobuf-es's answer and error.
    decode: (bytes) => decodeEvaluateRequest(bytes) ?? decodeRequest(EvaluateRequestSchema, bytes),
    encode: ({ evaluation, revision }) => encodeEvaluateResponse(evaluation, revision),
  },
  evaluateAll: {
    decode: (bytes) => decodeRequest(EvaluateAllRequestSchema, bytes),
    // Straight to bytes: building a thousand messages cost fifty times more than evaluating them; the entries of
    // the revision's empty-context answers are encoded once, and a response rewrites only those that differ.
    encode: ({ features, evaluations, revision, anonymous }) => encodeEvaluateAllResponse(features, evaluations, revision, anonymous),
  },
};

/**
 * FeatureFlagService on grpc-js with its hand codecs.
 *
 * @example
 * const impl = { ...createFlagService(engine), ...createEvaluateHandlers(engine) };
 * const { definition, handlers } = createFlagGrpcService(interceptService(FeatureFlagService, impl, intercept));
 */
export function createFlagGrpcService(impl: GrpcFlagServiceImpl, options: GrpcServiceOptions = {}): GrpcService {
  return createGrpcService(FeatureFlagService, impl, { ...options, codecs: FLAG_GRPC_CODECS });
}
