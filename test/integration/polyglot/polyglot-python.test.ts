import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { join } from "node:path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectPolyglotWorkflow } from "../../support/polyglot-workflow.js";
import { requirement } from "../../support/requirement.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// A client in another language and another gRPC stack (Python's grpcio on the C core, from Debian's
// python3-grpcio), on the stubs `buf generate` writes to gen/python. CI installs it and sets
// FLAGWIRE_REQUIRE_POLYGLOT=1, so there this test always runs; on a machine without it, the test is
// skipped and says why.
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
const ROOT = join(import.meta.dirname, "../../..");

describe.runIf(PYTHON_GRPC.run)("a Python grpcio client (skipped: apt-get install python3-grpcio)", () => {
  let ts: TestServer;

  beforeAll(async () => {
    PYTHON_GRPC.check();
    // No periodic heartbeat during the test: the resumed stream's messages are compared exactly.
    ts = await startTestServer({ heartbeatIntervalMs: 600_000 });
  });
  afterAll(async () => {
    await ts.close();
  });

  it("runs the classic workflow, evaluates with reasons and resumes a watch by revision, on the generated stubs", async () => {
    const script = join(import.meta.dirname, "python_client.py");
    // Asynchronously: the server under test runs in this process and must keep answering. No __pycache__ in gen/.
    const env = { ...process.env, PYTHONPATH: join(ROOT, "gen/python"), PYTHONDONTWRITEBYTECODE: "1" };
    const { stdout } = await run(PYTHON, [script, `127.0.0.1:${ts.server.grpcPort}`], { env });
    expectPolyglotWorkflow(JSON.parse(stdout) as Record<string, unknown>, "python-client");
  }, 30_000);
});
