// The echo baseline of the benchmarks rides on ServerOptions.extraGrpcServices: it must be served by the same
// grpc-js server as FeatureFlagService, next to it, without changing it.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { EvaluateRequestSchema, EvaluateResponseSchema } from "../../../gen/flagwire/v1/flags_pb.js";
import { grpcFrame } from "../../../bench/lib/grpc-wire.js";
import { callUnary, connect } from "../../../bench/lib/unary-call.js";
import { createEchoService, ECHO_PATH } from "../../../bench/server/echo-service.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

describe("extraGrpcServices (the bench's echo)", () => {
  let ts: TestServer;
  beforeAll(async () => {
    ts = await startTestServer({ extraGrpcServices: [createEchoService()] });
    await ts.client("grpc").createFeature({ name: "dashboard", enabled: true });
  });
  afterAll(() => ts.close());

  it("answers the echo and FeatureFlagService on the same port", async () => {
    const session = await connect(ts.grpcUrl);
    try {
      const message = toBinary(EvaluateRequestSchema, create(EvaluateRequestSchema, { feature: "dashboard", customerId: "101" }));
      const echo = await callUnary(session, ECHO_PATH, grpcFrame(message));
      expect(echo.status).toBe(0);
      expect([...echo.body]).toEqual([...message]);
      const evaluate = await callUnary(session, "/flagwire.v1.FeatureFlagService/Evaluate", grpcFrame(message));
      expect(evaluate.status).toBe(0);
      expect(fromBinary(EvaluateResponseSchema, evaluate.body).enabled).toBe(true);
    } finally {
      session.close();
    }
  });
});
