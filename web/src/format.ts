import { timestampDate, type Timestamp } from "@bufbuild/protobuf/wkt";
import { RolloutStickiness, type Rollout } from "../../gen/flagwire/v1/flags_pb.js";

/** A rollout as people read it: `25.00% by user`. */
export function rolloutText(rollout: Rollout | undefined): string {
  if (!rollout) return "—";
  const by = rollout.stickiness === RolloutStickiness.CUSTOMER ? "customer" : "user";
  return `${(rollout.basisPoints / 100).toFixed(2)}% by ${by}`;
}

/** A time as a short local date and time; "—" when unset. */
export function timeText(time: Timestamp | undefined): string {
  if (!time) return "—";
  return timestampDate(time).toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/**
 * A percentage typed by a person as basis points: 0-100 with at most two decimals (`12.5` is 1250), or an
 * explanation of what is wrong. Parsed as text, so `12.345` is refused instead of rounded.
 */
export function parsePercentage(text: string): { basisPoints: number } | { problem: string } {
  const trimmed = text.trim();
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(trimmed);
  if (!match) return { problem: `"${trimmed}" is not a percentage: use 0-100 with at most two decimals, e.g. 12.5` };
  const basisPoints = Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0"));
  if (basisPoints > 10_000) return { problem: `${trimmed}% is more than 100%: use 0-100` };
  return { basisPoints };
}

/** Ids pasted as a block: split on whitespace and commas, empties and repeats dropped, order kept. */
export function splitIds(text: string): string[] {
  return [...new Set(text.split(/[\s,;]+/).filter((id) => id !== ""))];
}

/** `1 user`, `2 users`: a count with its noun. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? "" : "s"}`;
}
