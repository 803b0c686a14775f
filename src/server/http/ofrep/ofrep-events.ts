import type { ServerResponse } from "node:http";
import { DomainError } from "../../../domain/domain-error.js";
import type { FlagEngine } from "../../../engine/flag-engine.js";
import { httpWatchTransport } from "../../watch-transport.js";
import { OfrepError } from "./ofrep-error.js";

/** What the event stream needs from the engine. */
export type EventsEngine = Pick<FlagEngine, "revision" | "watch">;

/** The one event OFREP providers act on: "the flags may have changed, fetch them again" (OFREP ADR-0008). */
const REFETCH = 'data: {"type":"refetchEvaluation"}\n\n';

/**
 * The revision a reconnecting EventSource last received (`Last-Event-ID`, which is the revision of the last event);
 * undefined on a first connection. Anything but a revision is refused: EventSource only echoes what we sent.
 */
export function lastEventRevision(header: string | undefined): number | undefined {
  if (header === undefined || header === "") return undefined;
  if (!/^\d{1,15}$/.test(header)) {
    throw new OfrepError(400, "GENERAL", `Last-Event-ID ${JSON.stringify(header.slice(0, 40))} is not a revision: leave it out, or send the id of the last event received`);
  }
  return Number(header);
}

/**
 * Streams server-sent events to `res` until the client leaves, `signal` aborts, or the watch ends: one
 * `refetchEvaluation` event per committed change, with the change's revision as its id, fed from the engine's
 * watch stream (so exact: no change is missed, none reported twice, also across a reconnect). A reconnect with
 * `Last-Event-ID` older than the current revision gets one `refetchEvaluation` at once (what it missed, coalesced);
 * heartbeats become an `id:` line and a comment, which keep proxies from closing an idle stream and move the
 * client's resume point without making it refetch. A watcher that falls behind is cut off by the hub like any
 * other; its EventSource reconnects and refetches.
 */
export async function streamOfrepEvents(
  engine: EventsEngine,
  res: ServerResponse,
  lastSeen: number | undefined,
  signal: AbortSignal,
  cutOffGraceMs: number,
): Promise<void> {
  const revision = engine.revision;
  res.writeHead(200, { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache", "x-accel-buffering": "no" });
  // An id with no data sets the client's Last-Event-ID without firing an event (HTML's event-stream rules).
  write(res, lastSeen !== undefined && lastSeen !== revision ? `id: ${revision}\n${REFETCH}` : `id: ${revision}\n\n`);
  let sentId = revision;
  try {
    for await (const event of engine.watch({ sinceRevision: revision, transport: httpWatchTransport(res, cutOffGraceMs) }, signal)) {
      if (event.type === "change") {
        sentId = event.change.revision;
        await write(res, `id: ${sentId}\n${REFETCH}`);
      } else if (event.type === "heartbeat") {
        // The first one says "current at the start": nothing new to say then.
        if (event.revision === sentId) await write(res, ": heartbeat\n\n");
        else await write(res, `id: ${(sentId = event.revision)}\n: heartbeat\n\n`);
      } else await write(res, REFETCH);
    }
  } catch (err) {
    // Cut off or shutting down: say why (a comment, which EventSource ignores); it reconnects and refetches.
    if (!(err instanceof DomainError)) throw err;
    endWith(res, err);
  }
  // Aborted with a reason (the token was revoked): say so too.
  if (signal.reason instanceof DomainError) endWith(res, signal.reason);
  res.end();
}

function endWith(res: ServerResponse, err: DomainError): void {
  if (!res.destroyed && !res.writableEnded) res.write(`: ${err.message.replace(/\n/g, " ")}\n\n`);
}

/** Writes and waits for the socket to drain when its buffer is full: the hub counts what is left unsent. */
function write(res: ServerResponse, text: string): Promise<void> | undefined {
  if (res.destroyed || res.write(text)) return undefined;
  return new Promise((resolve) => {
    const done = () => {
      res.off("drain", done);
      res.off("close", done);
      resolve();
    };
    res.once("drain", done);
    res.once("close", done);
  });
}
