import { describe, expect, it } from "vitest";
import { requiredRole } from "../../../src/server/auth/method-roles.js";
import { OFREP_METHODS } from "../../../src/server/http/ofrep/ofrep-call.js";

// The role table names the OFREP endpoints by hand; an endpoint it misses would fail closed to admin.
describe("OFREP roles", () => {
  it.each(Object.values(OFREP_METHODS))("$name needs a reader token", (method) => {
    expect(requiredRole(method)).toBe("reader");
  });

  it("an OFREP name the table does not know needs admin", () => {
    expect(requiredRole({ ...OFREP_METHODS.evaluateFlag, method: "Other", name: "ofrep.v1/Other" })).toBe("admin");
  });
});
