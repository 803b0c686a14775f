import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { describe, expect, it } from "vitest";
import { startServer } from "../../../src/server/start-server.js";

/** What the server says at start about flagd access: loudly when anyone may evaluate. */
describe("flagd access at start", () => {
  it.each([
    { flagdUnauthenticated: true, level: 40, message: /--flagd-unauthenticated is set: ANYONE who can reach the listeners may evaluate every flag/ },
    { flagdUnauthenticated: false, level: undefined, message: undefined },
  ])("flagdUnauthenticated $flagdUnauthenticated", async ({ flagdUnauthenticated, level, message }) => {
    const dir = mkdtempSync(join(tmpdir(), "flagwire-flagd-warn-"));
    const lines: Array<{ level: number; msg: string }> = [];
    const sink = new Writable({ write: (chunk, _encoding, done) => (lines.push(JSON.parse(String(chunk))), done()) });
    const server = await startServer({ dbPath: join(dir, "f.db"), grpcListen: "127.0.0.1:0", httpListen: "127.0.0.1:0", logger: pino(sink), flagdUnauthenticated });
    try {
      const flagd = lines.filter((line) => /flagd/.test(line.msg));
      if (message) expect(flagd).toEqual([expect.objectContaining({ level, msg: expect.stringMatching(message) })]);
      else expect(flagd).toEqual([]);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
