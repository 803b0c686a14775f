import { execFileSync, spawnSync } from "node:child_process";

/** Whether `command` is on the PATH. */
function has(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`], { stdio: "ignore" }).status === 0;
}

/**
 * Installs what the benchmarks run besides Node: h2load (Debian's nghttp2-client) and taskset (util-linux).
 * Skips the install when both are present; needs root (apt-get) otherwise.
 */
export function ensureTools(log: (line: string) => void): void {
  const missing = [
    ["h2load", "nghttp2-client"],
    ["taskset", "util-linux"],
  ].filter(([command]) => !has(command as string));
  if (missing.length === 0) return;
  const packages = missing.map(([, pkg]) => pkg as string);
  log(`installing ${packages.join(", ")} with apt-get`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit", env });
  execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...packages], { stdio: "inherit", env });
}

/** The cores to pin the server and the load generator to: different ones when the machine has two or more. */
export interface CorePlan {
  server: string;
  load: string;
}

/** Server on core 0, load on core 1 (or both on 0 on a one-core machine). */
export function planCores(cpuCount: number): CorePlan {
  return cpuCount >= 2 ? { server: "0", load: "1" } : { server: "0", load: "0" };
}

/** `taskset -c <cores> <command...>` as an argv. */
export function pinned(cores: string, argv: string[]): [string, string[]] {
  return ["taskset", ["-c", cores, ...argv]];
}

/**
 * Pins this process (all its threads) to `cores`: the orchestrator runs some load generators itself (figure 4's
 * writers, figure 7's calls), and they must stay off the server's core.
 */
export function pinSelf(cores: string): void {
  execFileSync("taskset", ["-a", "-p", "-c", cores, String(process.pid)], { stdio: "ignore" });
}
