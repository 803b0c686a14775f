import type { DescService } from "@bufbuild/protobuf";
import { createContextKey, type HandlerContext } from "@connectrpc/connect";
import { DomainError } from "../domain/domain-error.js";
import { observeStream } from "./stream-passthrough.js";

/** The address of the client that made a call, as each listener sets it in the call's context values. */
export const CLIENT_ADDRESS = createContextKey("unknown", { description: "flagwire client address" });

/** A socket's remote address without the IPv4-mapped prefix, so that both listeners name a client alike. */
export function clientAddress(remoteAddress: string | undefined): string {
  return remoteAddress?.replace(/^::ffff:/, "") ?? "unknown";
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- wraps streaming handlers of every signature alike
type StreamHandler = (input: any, context: HandlerContext) => AsyncIterable<unknown>;

/**
 * Wraps the streaming methods of a service implementation so that one client address holds at most `maxPerClient`
 * open streams at a time, and all clients together at most `maxTotal`, across all of them and both listeners; one
 * more is refused with RESOURCE_EXHAUSTED.
 */
export function limitStreams<T extends object>(service: DescService, impl: T, { maxPerClient, maxTotal }: { maxPerClient: number; maxTotal: number }): T {
  const open = new Map<string, number>();
  let total = 0;
  const wrapped: Record<string, unknown> = { ...(impl as Record<string, unknown>) };
  for (const method of service.methods) {
    const handler = (impl as Record<string, StreamHandler | undefined>)[method.localName];
    if (!handler || method.methodKind === "unary" || method.methodKind === "client_streaming") continue;
    wrapped[method.localName] = (input: unknown, context: HandlerContext) => {
      let client: string | undefined;
      return observeStream(
        () => {
          const address = context.values.get(CLIENT_ADDRESS);
          const count = open.get(address) ?? 0;
          if (count >= maxPerClient) {
            throw new DomainError(
              "RESOURCE_EXHAUSTED",
              `client ${address} already has ${count} streams open, the most one client address may have: close streams it no ` +
                `longer reads, or follow several features on one WatchChanges stream (its features filter)`,
            );
          }
          if (total >= maxTotal) {
            throw new DomainError(
              "RESOURCE_EXHAUSTED",
              `the server already has ${total} streams open, the most it allows: retry later, or follow several features on one ` +
                `WatchChanges stream (its features filter)`,
            );
          }
          open.set(address, count + 1);
          total++;
          client = address;
          return handler(input, context);
        },
        (error) => {
          if (client !== undefined) {
            total--;
            const left = (open.get(client) ?? 1) - 1;
            if (left === 0) open.delete(client);
            else open.set(client, left);
          }
          return error;
        },
      );
    };
  }
  return wrapped as T;
}
