import type { ServiceImpl } from "@connectrpc/connect";
import * as v1 from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import * as v2 from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { decodeRequest } from "../decode-request.js";
import type { FlagdResolutionAt, FlagdResolveHandlers, FlagRequest } from "../services/flagd-resolve-handlers.js";
import { createGrpcService, type GrpcService, type GrpcServiceOptions } from "./create-grpc-service.js";
import { createResolveBooleanEncoder, decodeResolveBooleanRequest } from "./flagd-codec.js";
import type { MethodCodec } from "./method-codec.js";

/** A flagd evaluation service, v1 or v2. */
type FlagdService = typeof v1.Service | typeof v2.Service;

/**
 * A flagd evaluation service as the gRPC listener serves it: the typed implementation, except that ResolveBoolean
 * answers domain values ({@link FlagdResolveHandlers}), which its codec writes straight to bytes.
 */
export type GrpcFlagdServiceImpl<S extends FlagdService> = Omit<ServiceImpl<S>, keyof FlagdResolveHandlers> & FlagdResolveHandlers;

/** The hand codecs of one flagd version on the gRPC port; every other method uses protobuf-es (`protobufCodec`). */
function flagdCodecs(
  request: typeof v1.ResolveBooleanRequestSchema | typeof v2.ResolveBooleanRequestSchema,
  response: typeof v1.ResolveBooleanResponseSchema | typeof v2.ResolveBooleanResponseSchema,
): { resolveBoolean: MethodCodec<FlagRequest, FlagdResolutionAt> } {
  return {
    resolveBoolean: {
      // Anything the hand reader leaves (nested or non-ASCII context values, unknown fields, bad bytes) gets
      // protobuf-es's answer and error, in this version's words.
      decode: (bytes) => decodeResolveBooleanRequest(bytes) ?? decodeRequest(request, bytes),
      encode: createResolveBooleanEncoder(response),
    },
  };
}

/** The hand codecs of flagd evaluation v1 and v2 on the gRPC port, by service. */
export const FLAGD_GRPC_CODECS = {
  v1: flagdCodecs(v1.ResolveBooleanRequestSchema, v1.ResolveBooleanResponseSchema),
  v2: flagdCodecs(v2.ResolveBooleanRequestSchema, v2.ResolveBooleanResponseSchema),
} as const;

/**
 * A flagd evaluation service (v1 or v2) on grpc-js with its hand codecs.
 *
 * @example
 * const impl = { ...createFlagdEvaluationV1(engine, usage), ...createFlagdResolveHandlers(engine, usage) };
 * const { definition, handlers } = createFlagdGrpcService(FlagdV1, interceptService(FlagdV1, impl, intercept));
 */
export function createFlagdGrpcService<S extends FlagdService>(service: S, impl: GrpcFlagdServiceImpl<S>, options: GrpcServiceOptions = {}): GrpcService {
  const codecs = (service as FlagdService) === v1.Service ? FLAGD_GRPC_CODECS.v1 : FLAGD_GRPC_CODECS.v2;
  return createGrpcService(service, impl, { ...options, codecs });
}
