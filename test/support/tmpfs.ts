import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

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
export const canMountTmpfs: boolean = (() => {
  try {
    mountTmpfs(64 * 1024).unmount();
    return true;
  } catch {
    return false;
  }
})();
