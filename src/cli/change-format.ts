import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ChangeKind, type Change } from "../../gen/flagwire/v1/flags_pb.js";
import { onOff } from "./output.js";

/** Column titles of {@link changeCells}, for `history`. */
export const CHANGE_HEADER = ["REVISION", "TIME", "ACTOR", "KIND", "FEATURE", "TARGET", "VALUE"];

/** Column widths that fit typical changes, for `watch`, which cannot measure the lines still to come. */
export const CHANGE_WIDTHS = [8, 20, 12, 19, 16, 14];

/**
 * One change as table cells, one word each except the last, so `awk` can pick columns:
 * `12  2025-01-31T09:00:00Z  alice  override-set  dashboard  customer:101  off`.
 */
export function changeCells(change: Change): string[] {
  const time = change.time ? timestampDate(change.time).toISOString().replace(/\.\d+Z$/, "Z") : "-";
  const kind = (ChangeKind[change.kind] ?? "unknown").toLowerCase().replaceAll("_", "-");
  const target = change.target?.kind.case === "customerId" ? `customer:${change.target.kind.value}` : change.target?.kind.case === "userId" ? `user:${change.target.kind.value}` : "-";
  return [String(change.revision), time, change.actor || "-", kind, change.feature || "-", target, changeValue(change)];
}

function changeValue(change: Change): string {
  if (change.kind === ChangeKind.FEATURE_RENAMED) return `-> ${change.newName}`;
  if (change.kind === ChangeKind.USER_CREATED && change.customerId) return `in customer:${change.customerId}`;
  return change.enabled === undefined ? "" : onOff(change.enabled);
}
