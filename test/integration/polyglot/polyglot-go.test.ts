import { execFile, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, it } from "vitest";
import { expectPolyglotWorkflow } from "../../support/polyglot-workflow.js";
import { requirement } from "../../support/requirement.js";
import { startTestServer, type TestServer } from "../../support/test-server.js";

// A client in Go on the stubs `buf generate` writes to gen/go, built with Debian's golang-go and its
// grpc-go and protobuf sources (golang-google-grpc-dev, golang-google-protobuf-dev) in GOPATH mode: no
// module download. CI installs them and sets FLAGWIRE_REQUIRE_GO=1, so there this test always runs.
const GOCODE = "/usr/share/gocode";
const goAvailable = (() => {
  try {
    execFileSync("go", ["version"], { stdio: "ignore" });
  } catch {
    return false;
  }
  return ["google.golang.org/grpc", "google.golang.org/protobuf"].every((p) => existsSync(join(GOCODE, "src", p)));
})();
const GO = requirement("GO", goAvailable, `go or ${GOCODE}/src/google.golang.org/{grpc,protobuf} is missing (apt-get install golang-go golang-google-grpc-dev golang-google-protobuf-dev)`);
const run = promisify(execFile);
const ROOT = join(import.meta.dirname, "../../..");

describe.runIf(GO.run)("a Go grpc-go client (skipped: apt-get install golang-go golang-google-grpc-dev)", () => {
  let ts: TestServer;
  let dir: string;
  let client: string;

  beforeAll(async () => {
    GO.check();
    // GOPATH mode: the go_package import path `flagwire/gen/go/flagwire/v1` resolves through <dir>/src/flagwire,
    // a link to this checkout. The build cache outlives the test (one per machine, safe to share), so only
    // the first run compiles grpc-go.
    dir = mkdtempSync(join(tmpdir(), "flagwire-go-"));
    mkdirSync(join(dir, "src"));
    symlinkSync(ROOT, join(dir, "src", "flagwire"));
    client = join(dir, "go_client");
    const env = {
      ...process.env,
      GO111MODULE: "off",
      GOPATH: `${dir}:${GOCODE}`,
      GOCACHE: process.env.GOCACHE ?? join(tmpdir(), "flagwire-go-build-cache"),
      GOFLAGS: "",
    };
    // -trimpath: the temp GOPATH's name stays out of the cache keys, so later runs reuse the compiled stubs too.
    const build = run("go", ["build", "-trimpath", "-o", client, "flagwire/test/integration/polyglot/go_client"], { env, cwd: dir });
    // No periodic heartbeat during the test: the resumed stream's messages are compared exactly.
    const [built, started] = await Promise.allSettled([build, startTestServer({ heartbeatIntervalMs: 600_000 })]);
    if (started.status === "fulfilled") ts = started.value; // closed by afterAll even when the build failed
    if (built.status === "rejected") throw built.reason;
    if (started.status === "rejected") throw started.reason;
  }, 600_000); // a cold build cache compiles grpc-go: about 30 s of CPU, minutes on a crowded machine
  afterAll(async () => {
    await ts?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it("runs the classic workflow, evaluates with reasons and resumes a watch by revision, on the generated stubs", async () => {
    // Asynchronously: the server under test runs in this process and must keep answering.
    const { stdout } = await run(client, [`127.0.0.1:${ts.server.grpcPort}`]);
    expectPolyglotWorkflow(JSON.parse(stdout) as Record<string, unknown>, "go-client");
  }, 30_000);
});
