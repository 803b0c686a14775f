/**
 * Prints the functions with the most self time in V8 CPU profiles.
 *
 * Usage: node dist/bench/profile-summary.js <file.cpuprofile>... [--top N]
 */
import { readFileSync } from "node:fs";
import { hotSpots, type CpuProfile } from "./lib/cpu-profile.js";

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
for (const file of args) {
  console.log(`\n${file}`);
  for (const spot of hotSpots(JSON.parse(readFileSync(file, "utf8")) as CpuProfile, top)) {
    console.log(`${(spot.share * 100).toFixed(1).padStart(5)}%  ${spot.selfMs.toFixed(0).padStart(7)} ms  ${spot.where}`);
  }
}
