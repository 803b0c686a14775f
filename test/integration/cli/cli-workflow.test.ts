import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestServer, type TestServer } from "../../support/test-server.js";
import { runCli, words } from "../../support/run-cli.js";

// Every command line of the issue, verbatim (each optional part both with and without), in an order
// that tells a story, with what it prints for people and with --json. The server comes from
// FLAGWIRE_SERVER and the actor from FLAGWIRE_ACTOR, so the lines need no extra flags.

const time = expect.any(String);
const feature = (name: string, enabled: boolean, customerOverrideCount = 0, userOverrideCount = 0, extra: Record<string, unknown> = {}) => ({
  name,
  enabled,
  description: "",
  customerOverrideCount,
  userOverrideCount,
  overrideOnCount: 0,
  overrideOffCount: 0,
  createTime: time,
  updateTime: time,
  salt: expect.any(String), // random per feature (rollout bucketing)
  segmentRules: [],
  // Its last change (the dashboard's column), made by FLAGWIRE_ACTOR; the revision is pinned by the dashboard's tests.
  lastChangeRevision: expect.any(String),
  lastChangeTime: time,
  lastChangeActor: "ops",
  // Usage: answered by GetFeature and ListFeatures only, so 0 in a write's answer.
  evaluationsToday: "0",
  evaluations7d: "0",
  evaluations30d: "0",
  staleReasons: [],
  ...extra,
});
const list = (field: string, items: unknown[], revision: number) => ({ [field]: items, nextPageToken: "", revision: String(revision) });
const history = (changes: unknown[], revision: number) => ({ ...list("changes", changes, revision), prunedThroughRevision: "0" });
const change = (revision: number, kind: string, fields: Record<string, unknown>) => ({
  revision: String(revision),
  time,
  kind: `CHANGE_KIND_${kind}`,
  feature: "",
  newName: "",
  description: "",
  customerId: "",
  actor: "ops",
  segment: "",
  salt: expect.any(String), // set on feature-created changes, random
  memberCustomerIds: [],
  memberUserIds: [],
  ...fields,
});

/** A timestamp in human output, replaced by a placeholder of the same width so columns stay aligned. */
const T = "YYYY-MM-DDTHH:MM:SSZ";
const HISTORY = [
  "REVISION  TIME                  ACTOR  KIND                 FEATURE    TARGET        VALUE",
  `1         ${T}  ops    feature-created      dashboard  -             on`,
  `2         ${T}  ops    feature-deleted      dashboard  -`,
  `3         ${T}  ops    feature-created      dashboard  -             off`,
  `4         ${T}  ops    feature-renamed      dashboard  -             -> new-dashboard`,
  `5         ${T}  ops    feature-created      dashboard  -             off`,
  `6         ${T}  ops    feature-enabled-set  dashboard  -             on`,
  `7         ${T}  ops    customer-created     -          customer:101`,
  `8         ${T}  ops    customer-deleted     -          customer:101`,
  `9         ${T}  ops    customer-created     -          customer:101`,
  `10        ${T}  ops    customer-created     -          customer:202`,
  `11        ${T}  ops    user-created         -          user:456`,
  `12        ${T}  ops    user-deleted         -          user:456`,
  `13        ${T}  ops    user-created         -          user:456      in customer:101`,
  `14        ${T}  ops    override-set         dashboard  customer:101  on`,
  `15        ${T}  ops    override-cleared     dashboard  customer:101`,
  `16        ${T}  ops    override-set         dashboard  customer:101  off`,
  `17        ${T}  ops    override-set         dashboard  user:456      on`,
  `18        ${T}  ops    override-cleared     dashboard  user:456`,
  `19        ${T}  ops    feature-enabled-set  dashboard  -             off`,
];

const SCENARIO: { line: string; text: string; json: unknown }[] = [
  {
    line: "flagwire add-feature dashboard --default-enabled",
    text: "added feature dashboard, on globally (revision 1)",
    json: { feature: feature("dashboard", true), revision: "1" },
  },
  { line: "flagwire remove-feature dashboard", text: "removed feature dashboard (revision 2)", json: { revision: "2" } },
  {
    line: "flagwire add-feature dashboard",
    text: "added feature dashboard, off globally (revision 3)",
    json: { feature: feature("dashboard", false), revision: "3" },
  },
  {
    line: "flagwire rename-feature dashboard new-dashboard",
    text: "renamed feature dashboard to new-dashboard (revision 4)",
    json: { feature: feature("new-dashboard", false), revision: "4" },
  },
  {
    line: "flagwire add-feature dashboard --default-disabled",
    text: "added feature dashboard, off globally (revision 5)",
    json: { feature: feature("dashboard", false), revision: "5" },
  },
  {
    line: "flagwire set-global dashboard --enabled",
    text: "dashboard is on globally (revision 6)",
    json: { feature: feature("dashboard", true), revision: "6" },
  },
  { line: "flagwire add-customer 101", text: "added customer 101 (revision 7)", json: { customer: { id: "101", createTime: time }, revision: "7" } },
  { line: "flagwire remove-customer 101", text: "removed customer 101 (revision 8)", json: { revision: "8" } },
  { line: "flagwire add-customer 101", text: "added customer 101 (revision 9)", json: { customer: { id: "101", createTime: time }, revision: "9" } },
  { line: "flagwire add-customer 202", text: "added customer 202 (revision 10)", json: { customer: { id: "202", createTime: time }, revision: "10" } },
  {
    line: "flagwire add-user 456",
    text: "added user 456 (revision 11)",
    json: { user: { id: "456", customerId: "", createTime: time }, revision: "11" },
  },
  { line: "flagwire remove-user 456", text: "removed user 456 (revision 12)", json: { revision: "12" } },
  {
    line: "flagwire add-user 456 --customer-id 101",
    text: "added user 456 of customer 101 (revision 13)",
    json: { user: { id: "456", customerId: "101", createTime: time }, revision: "13" },
  },
  { line: "flagwire set-flag dashboard --customer-id 101 --enabled", text: "dashboard is on for customer 101 (revision 14)", json: { revision: "14" } },
  {
    line: "flagwire list-all-features",
    text: [
      "NAME           GLOBAL  CUSTOMER OVERRIDES  USER OVERRIDES",
      "dashboard      on      1                   0",
      "new-dashboard  off     0                   0",
    ].join("\n"),
    json: list("features", [feature("dashboard", true, 1, 0, { overrideOnCount: 1 }), feature("new-dashboard", false)], 14),
  },
  { line: "flagwire list-customers-enabled dashboard", text: "101", json: list("customerIds", ["101"], 14) },
  { line: "flagwire clear-flag dashboard --customer-id 101", text: "dashboard has no override for customer 101 (revision 15)", json: { revision: "15" } },
  { line: "flagwire set-flag dashboard --customer-id 101 --disabled", text: "dashboard is off for customer 101 (revision 16)", json: { revision: "16" } },
  { line: "flagwire set-flag dashboard --user-id 456 --enabled", text: "dashboard is on for user 456 (revision 17)", json: { revision: "17" } },
  { line: "flagwire evaluate dashboard", text: "on (default)", json: { enabled: true, reason: "EVALUATION_REASON_DEFAULT", segment: "", revision: "17" } },
  {
    line: "flagwire evaluate dashboard --customer-id 101",
    text: "off (customer override)",
    json: { enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE", segment: "", revision: "17" },
  },
  {
    line: "flagwire evaluate dashboard --user-id 456",
    text: "on (user override)",
    json: { enabled: true, reason: "EVALUATION_REASON_USER_OVERRIDE", segment: "", revision: "17" },
  },
  {
    line: "flagwire evaluate dashboard --customer-id 101 --user-id 456",
    text: "on (user override)",
    json: { enabled: true, reason: "EVALUATION_REASON_USER_OVERRIDE", segment: "", revision: "17" },
  },
  { line: "flagwire clear-flag dashboard --user-id 456", text: "dashboard has no override for user 456 (revision 18)", json: { revision: "18" } },
  {
    line: "flagwire evaluate dashboard --user-id 456",
    text: "off (customer override)",
    json: { enabled: false, reason: "EVALUATION_REASON_CUSTOMER_OVERRIDE", segment: "", revision: "18" },
  },
  { line: "flagwire list-features 101", text: "no features are on for customer 101", json: list("features", [], 18) },
  { line: "flagwire list-features 202", text: "dashboard", json: list("features", ["dashboard"], 18) },
  { line: "flagwire list-customers dashboard", text: "202", json: list("customerIds", ["202"], 18) },
  { line: "flagwire list-customers-enabled dashboard", text: "no customer overrides switch dashboard on", json: list("customerIds", [], 18) },
  { line: "flagwire list-customers-disabled dashboard", text: "101", json: list("customerIds", ["101"], 18) },
  {
    line: "flagwire set-global dashboard --disabled",
    text: "dashboard is off globally (revision 19)",
    json: { feature: feature("dashboard", false, 1, 0, { overrideOffCount: 1 }), revision: "19" },
  },
  { line: "flagwire list-customers dashboard", text: "no customers have dashboard on", json: list("customerIds", [], 19) },
  {
    line: "flagwire history --since 17 --limit 1",
    // Each table is aligned to its own cells.
    text: [
      "REVISION  TIME                  ACTOR  KIND              FEATURE    TARGET    VALUE",
      `18        ${T}  ops    override-cleared  dashboard  user:456`,
    ].join("\n"),
    json: history([change(18, "OVERRIDE_CLEARED", { feature: "dashboard", target: { userId: "456" } })], 19),
  },
  {
    line: "flagwire history --limit 2",
    text: [
      "REVISION  TIME                  ACTOR  KIND                 FEATURE    TARGET    VALUE",
      `18        ${T}  ops    override-cleared     dashboard  user:456`,
      `19        ${T}  ops    feature-enabled-set  dashboard  -         off`,
    ].join("\n"),
    json: history(
      [
        change(18, "OVERRIDE_CLEARED", { feature: "dashboard", target: { userId: "456" } }),
        change(19, "FEATURE_ENABLED_SET", { feature: "dashboard", enabled: false }),
      ],
      19,
    ),
  },
  {
    line: "flagwire history",
    text: HISTORY.join("\n"),
    json: history(
      [
        change(1, "FEATURE_CREATED", { feature: "dashboard", enabled: true }),
        change(2, "FEATURE_DELETED", { feature: "dashboard" }),
        change(3, "FEATURE_CREATED", { feature: "dashboard", enabled: false }),
        change(4, "FEATURE_RENAMED", { feature: "dashboard", newName: "new-dashboard" }),
        change(5, "FEATURE_CREATED", { feature: "dashboard", enabled: false }),
        change(6, "FEATURE_ENABLED_SET", { feature: "dashboard", enabled: true }),
        change(7, "CUSTOMER_CREATED", { target: { customerId: "101" } }),
        change(8, "CUSTOMER_DELETED", { target: { customerId: "101" } }),
        change(9, "CUSTOMER_CREATED", { target: { customerId: "101" } }),
        change(10, "CUSTOMER_CREATED", { target: { customerId: "202" } }),
        change(11, "USER_CREATED", { target: { userId: "456" } }),
        change(12, "USER_DELETED", { target: { userId: "456" } }),
        change(13, "USER_CREATED", { target: { userId: "456" }, customerId: "101" }),
        change(14, "OVERRIDE_SET", { feature: "dashboard", target: { customerId: "101" }, enabled: true }),
        change(15, "OVERRIDE_CLEARED", { feature: "dashboard", target: { customerId: "101" } }),
        change(16, "OVERRIDE_SET", { feature: "dashboard", target: { customerId: "101" }, enabled: false }),
        change(17, "OVERRIDE_SET", { feature: "dashboard", target: { userId: "456" }, enabled: true }),
        change(18, "OVERRIDE_CLEARED", { feature: "dashboard", target: { userId: "456" } }),
        change(19, "FEATURE_ENABLED_SET", { feature: "dashboard", enabled: false }),
      ],
      19,
    ),
  },
  { line: "flagwire remove-feature dashboard", text: "removed feature dashboard (revision 20)", json: { revision: "20" } },
];

const servers: TestServer[] = [];
beforeAll(async () => {
  servers.push(await startTestServer(), await startTestServer());
});
afterAll(() => Promise.all(servers.map((ts) => ts.close())));

function env(ts: TestServer) {
  return { FLAGWIRE_SERVER: ts.grpcUrl, FLAGWIRE_ACTOR: "ops" };
}

// The two passes run at the same time, each against its own server.
describe.concurrent("the issue's command lines, verbatim", () => {
  it("print aligned text for people", async () => {
    const ts = servers[0]!;
    for (const step of SCENARIO) {
      const result = await runCli(words(step.line), { env: env(ts) });
      const stdout = result.stdout.replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/g, T);
      expect({ line: step.line, code: result.code, stdout, stderr: result.stderr }).toEqual({ line: step.line, code: 0, stdout: `${step.text}\n`, stderr: "" });
    }
  }, 120_000);

  it("print one JSON document each with --json", async () => {
    const ts = servers[1]!;
    for (const step of SCENARIO) {
      const result = await runCli([...words(step.line), "--json"], { env: env(ts) });
      expect({ line: step.line, code: result.code, stderr: result.stderr }).toEqual({ line: step.line, code: 0, stderr: "" });
      expect(JSON.parse(result.stdout), step.line).toEqual(step.json);
    }
  }, 120_000);
});
