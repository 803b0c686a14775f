import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { runCli } from "../../support/run-cli.js";

// Lists read every page: with a page size of 2 (a hidden option), five items take three requests.
let ts: TestServer;
beforeAll(async () => {
  ts = await startTestServer();
  const client = ts.client();
  for (const name of ["a", "b", "c", "d", "e"]) await client.createFeature({ name, enabled: true }); // revisions 1-5
  for (const id of ["101", "102", "103", "104", "105"]) await client.createCustomer({ id }); // revisions 6-10
});
afterAll(() => ts.close());

const run = async (args: string[]) => {
  const result = await runCli([...args, "--page-size", "2"], { env: { FLAGWIRE_SERVER: ts.grpcUrl } });
  expect(result.stderr).toBe("");
  expect(result.code).toBe(0);
  return result.stdout;
};
const revisions = (stdout: string) => stdout.trim().split("\n").slice(1).map((row) => Number(row.split(" ")[0]));

describe.concurrent("flagwire lists page through the server", { timeout: 30_000 }, () => {
  it("list-all-features", async () => {
    expect((await run(["list-all-features"])).trim().split("\n").slice(1).map((row) => row.split(" ")[0])).toEqual(["a", "b", "c", "d", "e"]);
  });
  it("list-customers, in text and JSON", async () => {
    expect(await run(["list-customers", "c"])).toBe("101\n102\n103\n104\n105\n");
    expect(JSON.parse(await run(["list-customers", "c", "--json"]))).toEqual({
      customerIds: ["101", "102", "103", "104", "105"],
      nextPageToken: "",
      revision: "10",
    });
  });
  it("list-features", async () => {
    expect(await run(["list-features", "103"])).toBe("a\nb\nc\nd\ne\n");
  });
  it("history: all, after a revision, the first n after it, and the latest n", async () => {
    expect(revisions(await run(["history"]))).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(revisions(await run(["history", "--since", "4"]))).toEqual([5, 6, 7, 8, 9, 10]);
    expect(revisions(await run(["history", "--since", "4", "--limit", "3"]))).toEqual([5, 6, 7]);
    expect(revisions(await run(["history", "--limit", "3"]))).toEqual([8, 9, 10]);
  });
});
