import { createHash } from "node:crypto";
import type { OfrepEvaluation } from "./ofrep-evaluation.js";

/**
 * The ETag of a bulk answer: a hash of what each flag says (key, value, variant, both reasons, segment), and not of
 * the revision. So it changes exactly when the answer for that context changes: a change to another context's
 * override, or to anything that leaves this context's values and reasons as they were, keeps the ETag, and a
 * refetch after it is a 304. Weak (`W/`), since the body's revision metadata may differ under the same ETag.
 */
export function bulkEtag(flags: readonly OfrepEvaluation[]): string {
  const hash = createHash("sha256");
  for (const flag of flags) {
    hash.update(`${flag.key}\u0000${flag.variant}\u0000${flag.reason}\u0000${flag.metadata.reason}\u0000${flag.metadata.segment ?? ""}\u0001`);
  }
  return `W/"${hash.digest("base64url").slice(0, 27)}"`;
}

/**
 * Whether an `If-None-Match` header matches `etag`, by the weak comparison that RFC 9110 prescribes for it
 * (`W/` ignored), over a list of tags or `*`.
 */
export function noneMatch(header: string | undefined, etag: string): boolean {
  if (header === undefined) return false;
  const opaque = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => {
    const candidate = tag.trim();
    return candidate === "*" || candidate.replace(/^W\//, "") === opaque;
  });
}
