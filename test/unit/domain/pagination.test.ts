import { describe, expect, it } from "vitest";
import { DomainError } from "../../../src/domain/domain-error.js";
import { encodePageToken, pageOfKeys, toPageRequest } from "../../../src/domain/pagination.js";

const keys = Array.from({ length: 25 }, (_, i) => `k${String(i).padStart(2, "0")}`);

function collect(accept?: (key: string) => boolean, size = 10): string[][] {
  const pages: string[][] = [];
  let token = "";
  do {
    const page = pageOfKeys("test", keys, toPageRequest("test", size, token), accept);
    pages.push(page.items);
    token = page.nextPageToken;
  } while (token !== "");
  return pages;
}

describe("pagination", () => {
  it("walks every key once, in order, with no empty last page", () => {
    const pages = collect();
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(keys);
    expect(collect(undefined, 5).map((p) => p.length)).toEqual([5, 5, 5, 5, 5]);
  });

  it("filters without losing or repeating keys", () => {
    const even = (key: string) => Number(key.slice(1)) % 2 === 0;
    expect(collect(even, 4).flat()).toEqual(keys.filter(even));
  });

  it("continues after the token's key even when that key was deleted", () => {
    const page = pageOfKeys("test", keys, { size: 3, after: "k05x" });
    expect(page.items).toEqual(["k06", "k07", "k08"]);
  });

  it.each([
    [-1, ""],
    [1001, ""],
    [10, "garbage!"],
    [10, encodePageToken("other-list", "k01")],
    [10, Buffer.from("test\n").toString("base64url")],
  ])("refuses page_size %d / page_token %j", (size, token) => {
    expect(() => toPageRequest("test", size, token)).toThrow(DomainError);
  });

  it("defaults page_size 0 to 100", () => {
    expect(toPageRequest("test", 0, "").size).toBe(100);
  });
});
