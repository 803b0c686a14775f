import { describe, expect, it } from "vitest";
import { checkRole, checkSecret, checkTokenName, hashSecret, roleSatisfies, rolesSatisfying, ROLES, type Role } from "../../../src/domain/api-token.js";
import { checkListenPolicy, isLoopback } from "../../../src/server/listen-policy.js";

describe("roles", () => {
  // granted (row) may call a method needing required (column)
  const table: Array<[Role, Record<Role, boolean>]> = [
    ["reader", { reader: true, editor: false, admin: false }],
    ["editor", { reader: true, editor: true, admin: false }],
    ["admin", { reader: true, editor: true, admin: true }],
  ];
  it.each(table)("%s", (granted, allowed) => {
    for (const required of ROLES) expect(roleSatisfies(granted, required)).toBe(allowed[required]);
  });

  it("names the roles that would do", () => {
    expect([rolesSatisfying("reader"), rolesSatisfying("editor"), rolesSatisfying("admin")]).toEqual([
      "reader, editor or admin",
      "editor or admin",
      "admin",
    ]);
  });

  it("refuses an unknown role, listing the valid ones", () => {
    expect(() => checkRole("root")).toThrow('role "root" is invalid: use reader, editor, admin');
  });
});

describe("token names and secrets", () => {
  it.each(["ops", "ci-deploy.v2", "a".repeat(64)])("accepts the name %s", (name) => expect(checkTokenName(name)).toBe(name));
  it.each(["", "two words", "a".repeat(65), "ünïcode"])("refuses the name %j", (name) => expect(() => checkTokenName(name)).toThrow(/use 1-64 letters/));

  it("refuses a short or header-unsafe operator secret without echoing it", () => {
    for (const secret of ["short-secret", `${"x".repeat(40)} space`]) {
      let message = "";
      try {
        checkSecret(secret, "FLAGWIRE_BOOTSTRAP_TOKEN");
      } catch (err) {
        message = (err as Error).message;
      }
      expect(message).toMatch(/FLAGWIRE_BOOTSTRAP_TOKEN is not a usable token: use at least 32 characters/);
      expect(message).not.toContain(secret);
    }
    const hex = "0123456789abcdef".repeat(4);
    expect(checkSecret(hex, "x")).toBe(hex);
  });

  it("stores SHA-256, hex", () => {
    expect(hashSecret("abc")).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  });
});

describe("listen policy", () => {
  it.each([
    ["127.0.0.1", true],
    ["127.1.2.3", true],
    ["localhost", true],
    ["::1", true],
    ["::ffff:127.0.0.1", true],
    ["0.0.0.0", false],
    ["::", false],
    ["10.0.0.5", false],
    ["example.com", false],
  ])("%s is loopback: %s", (host, loopback) => expect(isLoopback(host)).toBe(loopback));

  it("allows any address once tokens exist, or with insecure", () => {
    const base = { addresses: ["0.0.0.0:50051", "127.0.0.1:8080"], dbPath: "f.db" };
    expect(() => checkListenPolicy({ ...base, authEnabled: false, insecure: false })).toThrow(/refusing to listen on 0\.0\.0\.0:50051 without/);
    expect(() => checkListenPolicy({ ...base, authEnabled: true, insecure: false })).not.toThrow();
    expect(() => checkListenPolicy({ ...base, authEnabled: false, insecure: true })).not.toThrow();
  });
});
