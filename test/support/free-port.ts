import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";

/*
 * Why not listen(0) and close: that port is in the kernel's ephemeral range, so between our close and the
 * server's listen any process of the run may take it (another worker's listen(0), or the source port of an
 * outbound connection), and two calls may even return the same port. A test then fails with EADDRINUSE,
 * as CI once did. Ports below the ephemeral range are never handed out by the kernel; each vitest worker
 * draws from its own slice of them, and a process never draws the same port twice.
 */
const SLICE = 1_000;
const SLICES = 12;
const handedOut = new Set<number>();

/** The first port of the kernel's ephemeral range (Linux default 32768). */
function ephemeralLow(): number {
  try {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    if (Number.isInteger(low) && low > SLICE * SLICES + 1024) return low;
  } catch {
    // not Linux: fall through to the usual default
  }
  return 32_768;
}

/** The ports this process draws from: its worker's slice, below the ephemeral range. */
export function portSlice(): { first: number; last: number } {
  const worker = Number(process.env.VITEST_POOL_ID ?? process.env.VITEST_WORKER_ID ?? 0) || 0;
  const first = ephemeralLow() - SLICE * SLICES + (worker % SLICES) * SLICE;
  return { first, last: first + SLICE - 1 };
}

async function canListen(port: number): Promise<boolean> {
  const server = createServer();
  try {
    server.listen(port, "127.0.0.1");
    await once(server, "listening");
  } catch {
    return false;
  }
  server.close();
  await once(server, "close");
  return true;
}

/**
 * A loopback port that nothing listens on and that no process of the run will be handed by the kernel:
 * for a server that must come back on the same port after a restart, or a port known to be closed.
 */
export async function freePort(): Promise<number> {
  const start = portSlice().first;
  const offset = Math.floor(Math.random() * SLICE);
  for (let i = 0; i < SLICE; i++) {
    const port = start + ((offset + i) % SLICE);
    if (handedOut.has(port) || !(await canListen(port))) continue;
    handedOut.add(port);
    return port;
  }
  throw new Error(`no free loopback port in ${start}-${start + SLICE - 1}`);
}
