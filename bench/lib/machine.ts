import { cpus, loadavg, totalmem } from "node:os";

/** One line naming the machine: CPU model, cores, memory, Node version. */
export function machineLine(): string {
  const cores = cpus();
  const model = cores[0]?.model.trim() || "unknown CPU";
  return `${model}, ${cores.length} cores, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Node ${process.version}, ${process.platform} ${process.arch}`;
}

/** A warning when the machine was busy before the run started (load average above a third of its cores). */
export function noiseWarning(): string | null {
  const [oneMinute = 0] = loadavg();
  const cores = cpus().length;
  if (oneMinute <= cores / 3) return null;
  return `the 1-minute load average was ${oneMinute.toFixed(2)} on ${cores} cores when the run started: other work shared the cores, so absolute numbers (and, less so, ratios) are off. Re-run on a quiet machine.`;
}
