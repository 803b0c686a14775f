import { once } from "node:events";
import { readFileSync } from "node:fs";
import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { freePort, portSlice } from "../../support/free-port.js";

describe("freePort", () => {
  // First: it needs every port of the slice, none handed out yet.
  it("steps past ports another process listens on", async () => {
    const { first, last } = portSlice();
    const taken = [];
    // Hold every port of the slice but one, the way other programs on the machine might: freePort must find that one.
    const spare = first + 500;
    for (let port = first; port <= last; port++) {
      if (port === spare) continue;
      const server = createServer().listen(port, "127.0.0.1");
      server.on("error", () => {}); // EADDRINUSE: something else holds it already, which is just as good
      taken.push(server);
    }
    try {
      await Promise.all(taken.map((server) => Promise.race([once(server, "listening"), once(server, "error")])));
      expect(await freePort()).toBe(spare);
      await expect(freePort()).rejects.toThrow(/no free loopback port in \d+-\d+/);
    } finally {
      for (const server of taken) if (server.listening) server.close();
    }
  });

  it("hands out distinct ports, below the kernel's ephemeral range, that a server can listen on", async () => {
    const low = Number(readFileSync("/proc/sys/net/ipv4/ip_local_port_range", "utf8").trim().split(/\s+/)[0]);
    const ports: number[] = [];
    for (let i = 0; i < 20; i++) ports.push(await freePort());
    expect(new Set(ports).size).toBe(ports.length);
    for (const port of ports) {
      expect(port).toBeGreaterThan(1024);
      expect(port).toBeLessThan(low);
    }
    const server = createServer().listen(ports[0], "127.0.0.1");
    await once(server, "listening");
    server.close();
  });
});
