/**
 * Prints the functions with the most self time in V8 CPU profiles.
 *
 * Usage: node dist/bench/profile-summary.js <file.cpuprofile>... [--top N] [--total] [--filter TEXT] [--last-seconds S]
 *   --total         time with callees instead of self time
 *   --filter        only functions whose location contains TEXT (e.g. `src/`)
 *   --last-seconds  only the last S seconds of the profile (the phase of the run that came last)
 */
import { readFileSync } from "node:fs";
import { hotSpots, type CpuProfile } from "./lib/cpu-profile.js";

const args = process.argv.slice(2);
/** Removes `--name value` from args and returns the value. */
const option = (name: string): string | undefined => {
  const at = args.indexOf(name);
  return at >= 0 ? args.splice(at, 2)[1] : undefined;
};
const top = Number(option("--top") ?? 25);
const filter = option("--filter") ?? "";
const last = option("--last-seconds");
const totalAt = args.indexOf("--total");
if (totalAt >= 0) args.splice(totalAt, 1);
for (const file of args) {
  console.log(`\n${file}`);
  const profile = JSON.parse(readFileSync(file, "utf8")) as CpuProfile;
  const options = { top, filter, mode: totalAt >= 0 ? ("total" as const) : ("self" as const), ...(last ? { lastSeconds: Number(last) } : {}) };
  for (const spot of hotSpots(profile, options)) {
    console.log(`${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.selfMs.toFixed(0).padStart(7)} ms  ${spot.where}`);
  }
}
