import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";

// `npm ci` builds once (prepare); `npm start` starts from that build instead of compiling again (8 s) each time.
const pkg = JSON.parse(readFileSync(join(import.meta.dirname, "..", "..", "..", "package.json"), "utf8")) as {
  scripts: Record<string, string>;
  bin: Record<string, string>;
};

describe("package.json scripts", () => {
  it("builds at install and starts from the build", () => {
    expect(pkg.scripts.prepare).toBe("npm run build");
    expect(pkg.scripts.prestart).toBeUndefined();
    expect(pkg.scripts.start).toBe(`node ${pkg.bin.flagwire} serve`);
  });
});
