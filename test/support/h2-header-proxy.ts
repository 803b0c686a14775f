import { connect as netConnect, createServer, type AddressInfo, type Socket } from "node:net";

/** A TCP proxy in front of an HTTP/2 (h2c) server that adds one header to every request, see {@link startH2HeaderProxy}. */
export interface H2HeaderProxy {
  url: string;
  close(): Promise<void>;
}

const PREFACE_LENGTH = 24;
const HEADERS = 0x1;
const END_HEADERS = 0x4;

/** HPACK "literal header field without indexing, new name", without Huffman coding (RFC 7541 §6.2.2). */
function literalField(name: string, value: string): Buffer {
  const string = (text: string) => {
    const bytes = Buffer.from(text, "latin1");
    if (bytes.length > 126) throw new Error("h2-header-proxy: keep injected names and values under 127 bytes");
    return Buffer.concat([Buffer.from([bytes.length]), bytes]);
  };
  return Buffer.concat([Buffer.from([0x00]), string(name), string(value)]);
}

/**
 * Starts a proxy to `target` (`host:port` of a plaintext HTTP/2 server) that appends `name: value` to the
 * header block of every request's HEADERS frame, so that a request can carry a header twice: node's own
 * HTTP/2 client refuses to send a repeated `authorization`, as a hostile or buggy client would not.
 */
export async function startH2HeaderProxy(target: { host: string; port: number }, name: string, value: string): Promise<H2HeaderProxy> {
  const field = literalField(name, value);
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const upstream = netConnect(target.port, target.host);
    sockets.add(client).add(upstream);
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    client.on("error", end).on("close", end);
    upstream.on("error", end).on("close", end);
    upstream.pipe(client);
    let pending = Buffer.alloc(0);
    let prefaceSeen = false;
    client.on("data", (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      if (!prefaceSeen) {
        if (pending.length < PREFACE_LENGTH) return;
        upstream.write(pending.subarray(0, PREFACE_LENGTH));
        pending = pending.subarray(PREFACE_LENGTH);
        prefaceSeen = true;
      }
      while (pending.length >= 9) {
        const length = pending.readUIntBE(0, 3);
        if (pending.length < 9 + length) return;
        const frame = pending.subarray(0, 9 + length);
        pending = pending.subarray(9 + length);
        const type = frame[3] as number;
        const flags = frame[4] as number;
        // Unpadded HEADERS frames that end their block (what node's client sends) get the field appended.
        if (type === HEADERS && flags & END_HEADERS && !(flags & 0x8)) {
          const grown = Buffer.concat([frame, field]);
          grown.writeUIntBE(length + field.length, 0, 3);
          upstream.write(grown);
        } else {
          upstream.write(frame);
        }
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
