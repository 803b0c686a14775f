import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** How long a ticket opens event streams: a day, then the provider's next bulk fetch gets a fresh one. */
const TICKET_TTL_MS = 24 * 60 * 60 * 1000;

/** Tickets that let an EventSource, which cannot send headers, open the event stream with the caller's token. */
export interface EventTickets {
  /** A ticket carrying `authorization` (the header the bulk request was admitted with). */
  issue(authorization: string): string;
  /** The authorization header a ticket carries; undefined when it is not one of ours, or has expired. */
  redeem(ticket: string): string | undefined;
}

/**
 * Creates the ticket issuer of one server process. A ticket is the caller's authorization header and the time of
 * issue, sealed with AES-256-GCM under a key that never leaves the process: the URL (which proxies may log) does
 * not show the token, a forged or altered ticket does not open, and tickets die with the process. Redeeming
 * gives the header back to the call guard, so a revoked token's ticket is refused like the token itself.
 */
export function createEventTickets(clock: () => number = Date.now): EventTickets {
  const key = randomBytes(32);
  return {
    issue(authorization) {
      const iv = randomBytes(12);
      const cipher = createCipheriv("aes-256-gcm", key, iv);
      const sealed = Buffer.concat([cipher.update(`${clock()}\n${authorization}`, "utf8"), cipher.final()]);
      return Buffer.concat([iv, cipher.getAuthTag(), sealed]).toString("base64url");
    },
    redeem(ticket) {
      const bytes = Buffer.from(ticket, "base64url");
      if (bytes.length < 29 || bytes.length > 4096) return undefined;
      try {
        const decipher = createDecipheriv("aes-256-gcm", key, bytes.subarray(0, 12));
        decipher.setAuthTag(bytes.subarray(12, 28));
        const text = Buffer.concat([decipher.update(bytes.subarray(28)), decipher.final()]).toString("utf8");
        const newline = text.indexOf("\n");
        const issued = Number(text.slice(0, newline));
        return clock() - issued <= TICKET_TTL_MS ? text.slice(newline + 1) : undefined;
      } catch {
        return undefined;
      }
    },
  };
}
