import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { requirement } from "./requirement.js";

/** A small tmpfs mounted for one test: a disk that can be filled up or made read-only. Needs root. */
export interface Tmpfs {
  dir: string;
  /** Remounts it read-only (true) or read-write (false). */
  setReadOnly(readOnly: boolean): void;
  unmount(): void;
}

/** Mounts a tmpfs of `sizeBytes` on a fresh temp directory. */
export function mountTmpfs(sizeBytes: number): Tmpfs {
  const dir = mkdtempSync(join(tmpdir(), "flagwire-tmpfs-"));
  execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeBytes}`, "tmpfs", dir]);
  return {
    dir,
    setReadOnly(readOnly) {
      execFileSync("mount", ["-o", `remount,${readOnly ? "ro" : "rw"}`, dir]);
    },
    unmount() {
      execFileSync("umount", [dir]);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Whether this process may mount a tmpfs (root in a container that allows it), tried once. */
const canMountTmpfs: boolean = (() => {
  try {
    mountTmpfs(64 * 1024).unmount();
    return true;
  } catch {
    return false;
  }
})();

/** Tests on a tmpfs: skipped where one cannot be mounted, failed instead when FLAGWIRE_REQUIRE_TMPFS=1. */
export const TMPFS = requirement("TMPFS", canMountTmpfs, "this process may not mount a tmpfs (it needs root, in a container allowed to mount)");
