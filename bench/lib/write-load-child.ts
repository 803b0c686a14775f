/**
 * One load process of bench/lib/write-load.ts: runs `runUnaryLoad` as the parent asks over IPC and answers its
 * result. Forked by `runForkedLoad`.
 */
import { setOverrideFrames } from "../figures/set-override.js";
import { runUnaryLoad } from "./unary-load.js";
import type { LoadBodies, LoadReply, LoadRequest } from "./write-load.js";

if (!process.send) throw new Error("write-load-child runs as a child with IPC (see write-load.ts)");
const send = process.send.bind(process);

process.once("message", (request: LoadRequest) => {
  void (async () => {
    const body = bodiesOf(request.bodies);
    const result = await runUnaryLoad({
      url: request.url,
      path: request.path,
      body: (k) => body(request.start + k * request.stride + request.offset),
      concurrency: request.concurrency,
      callersPerConnection: request.callersPerConnection,
      warmUpMs: request.warmUpMs,
      durationMs: request.durationMs,
    });
    const reply: LoadReply = { type: "result", result };
    send(reply, () => process.exit(0));
  })();
});

function bodiesOf(bodies: LoadBodies): (k: number) => Buffer {
  if (bodies.kind === "set-override") return setOverrideFrames(bodies.shape);
  const frame = Buffer.from(bodies.frameBase64, "base64");
  return () => frame;
}
