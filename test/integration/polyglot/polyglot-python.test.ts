import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { requirement } from "../../support/requirement.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// A client in another language and another gRPC stack (Python's grpcio on the C core, from Debian's
// python3-grpcio). CI installs it and sets FLAGWIRE_REQUIRE_POLYGLOT=1, so there this test always runs;
// on a machine without it, the test is skipped and says why.
const PYTHON = "/usr/bin/python3";
const pythonHasGrpc = (() => {
  try {
    execFileSync(PYTHON, ["-c", "import grpc"], { stdio: "ignore" });
    return true;
  } catch {
    return false;
  }
})();
const PYTHON_GRPC = requirement("POLYGLOT", pythonHasGrpc, `${PYTHON} cannot import grpc (apt-get install python3-grpcio)`);
const run = promisify(execFile);

describe.runIf(PYTHON_GRPC.run)("a Python grpcio client (skipped: apt-get install python3-grpcio)", () => {
  let ts: TestServer;
  let dir: string;

  beforeAll(async () => {
    PYTHON_GRPC.check();
    ts = await startTestServer();
    dir = mkdtempSync(join(tmpdir(), "flagwire-py-"));
  });
  afterAll(async () => {
    await ts.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("runs the classic workflow over native gRPC with messages from the contract alone", async () => {
    const descriptors = join(dir, "flagwire.binpb");
    await run("npx", ["buf", "build", "-o", descriptors, "--as-file-descriptor-set"]);
    const script = join(import.meta.dirname, "python_client.py");
    // Asynchronously: the server under test runs in this process and must keep answering.
    const { stdout } = await run(PYTHON, [script, `127.0.0.1:${ts.server.grpcPort}`, descriptors]);
    const seen = JSON.parse(stdout) as Record<string, unknown>;
    expect(seen.features_for_101).toMatchObject({ features: [] });
    expect(seen.features_for_202).toMatchObject({ features: ["dashboard"] });
    expect(seen.customers_with).toMatchObject({ customerIds: ["202"] });
    expect(seen.explicitly_disabled).toMatchObject({ customerIds: ["101"] });
    expect(seen.evaluate).toMatchObject({ enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE", revision: "4" });
    expect(seen.not_found).toEqual({ code: "NOT_FOUND", details: 'feature "dashbord" not found' });
    expect(seen.replayed).toMatchObject([
      { revision: "1", kind: "CHANGE_KIND_FEATURE_CREATED", feature: "dashboard", enabled: true, actor: "python-client" },
      { revision: "2", kind: "CHANGE_KIND_CUSTOMER_CREATED", target: { customerId: "101" } },
      { revision: "3", kind: "CHANGE_KIND_CUSTOMER_CREATED", target: { customerId: "202" } },
      { revision: "4", kind: "CHANGE_KIND_OVERRIDE_SET", feature: "dashboard", target: { customerId: "101" }, enabled: false },
    ]);
  });
});
