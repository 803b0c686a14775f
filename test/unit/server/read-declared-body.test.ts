import { createServer, type IncomingMessage, type Server } from "node:http";
import { connect, type AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readDeclaredBody } from "../../../src/server/http/read-declared-body.js";

// The body reader of the HTTP port's hot paths: the whole body in one or many chunks, and a rejection when the
// client goes away before it is all there.

describe("readDeclaredBody", () => {
  let server: Server;
  let port: number;
  let read: Promise<Buffer>;
  let arrived: (req: IncomingMessage) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      read = readDeclaredBody(req);
      arrived(req);
      read.then((body) => res.end(body), () => undefined);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  function send(parts: string[], end: boolean): Promise<IncomingMessage> {
    const socket = connect(port, "127.0.0.1");
    const started = new Promise<IncomingMessage>((resolve) => (arrived = resolve));
    const length = parts.join("").length + (end ? 0 : 10);
    socket.write(`POST / HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: ${length}\r\n\r\n`);
    let at = 0;
    const next = () => {
      if (at < parts.length) {
        socket.write(parts[at++] as string);
        setTimeout(next, 10);
      } else if (!end) {
        socket.destroy();
      }
    };
    next();
    return started;
  }

  it("reads a body that comes in several chunks", async () => {
    await send(['{"context":', '{"targetingKey":', '"ann"}}'], true);
    expect((await read).toString()).toBe('{"context":{"targetingKey":"ann"}}');
  });

  it("reads an empty body", async () => {
    await send([], true);
    expect((await read).byteLength).toBe(0);
  });

  it("rejects when the client goes away before the declared length arrived", async () => {
    await send(['{"context":'], false);
    await expect(read).rejects.toThrow();
  });
});
