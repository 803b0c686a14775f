import { connect } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { InvalidArgumentError } from "commander";
import { FeatureFlagService } from "../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../client/create-flag-client.js";
import { ServerUnreachableError } from "./exit-status.js";

/** Where the CLI looks for a server unless told otherwise: the gRPC port of `flagwire serve`. */
export const DEFAULT_SERVER = "http://127.0.0.1:50051";

/** How long the CLI waits for a TCP connection before it calls the server unreachable. */
const CONNECT_TIMEOUT_MS = 3_000;

/** Network errors that mean nothing answered at the address (rather than a server refusing a call). */
const CONNECTION_FAILURES = new Set(["ECONNREFUSED", "ECONNRESET", "EHOSTUNREACH", "ENETUNREACH", "ENOTFOUND", "EAI_AGAIN", "ETIMEDOUT"]);

/** Errors of a listener that is there but speaks another protocol (e.g. gRPC sent to the HTTP/1.1 port). */
const PROTOCOL_MISMATCHES = /^(ERR_HTTP2_|HPE_)/;

/**
 * Parses `--server`: an http(s) URL, or a bare `host:port` taken as http. Commander turns the thrown
 * InvalidArgumentError into a usage error.
 */
export function parseServerUrl(value: string): string {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw new InvalidArgumentError(`"${value}" is not a server address: use a URL such as ${DEFAULT_SERVER}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw new InvalidArgumentError(`"${value}" is not a server address: use http:// or https://, e.g. ${DEFAULT_SERVER}`);
  }
  return url.origin;
}

/**
 * Opens and closes a TCP connection to the server, so that an address where nothing answers (or a
 * firewall drops packets) fails within seconds instead of hanging in HTTP/2's connect.
 */
export async function checkReachable(server: string): Promise<void> {
  const url = new URL(server);
  const port = Number(url.port || (url.protocol === "https:" ? 443 : 80));
  const host = url.hostname.replace(/^\[(.*)\]$/, "$1");
  await new Promise<void>((resolve, reject) => {
    const socket = connect({ host, port, timeout: CONNECT_TIMEOUT_MS });
    socket.once("connect", () => {
      socket.end();
      resolve();
    });
    socket.once("timeout", () => {
      socket.destroy();
      reject(new ServerUnreachableError(server, `no answer within ${CONNECT_TIMEOUT_MS / 1000} s`));
    });
    socket.once("error", (err: NodeJS.ErrnoException) => reject(new ServerUnreachableError(server, err.message)));
  });
}

/**
 * Wraps a client so that its first call first runs {@link checkReachable}: a command finds its usage
 * errors (exit 2) before it tries the server (exit 3), without each command having to say when.
 */
export function checkReachableOnFirstCall(client: FlagClient, server: string): FlagClient {
  let reachable: Promise<void> | undefined;
  const check = () => (reachable ??= checkReachable(server));
  return new Proxy(client, {
    get(target, key, receiver) {
      const method: unknown = Reflect.get(target, key, receiver);
      if (typeof method !== "function") return method;
      const call = (args: unknown[]) => method.apply(target, args) as unknown;
      const kind = FeatureFlagService.method[key as keyof typeof FeatureFlagService.method]?.methodKind;
      return kind === "server_streaming"
        ? async function* (...args: unknown[]) {
            await check();
            yield* call(args) as AsyncIterable<unknown>;
          }
        : async (...args: unknown[]) => {
            await check();
            return call(args);
          };
    },
  });
}

/**
 * Recognises a call that failed because no flagwire server answered (it went away after
 * {@link checkReachable}, or the address is a listener of another protocol) and says so; other errors
 * are returned as they are.
 */
export function explainConnectionFailure(err: unknown, server: string, protocol: string): unknown {
  // Our own deadline (the server sends no DEADLINE_EXCEEDED of its own): something accepted the connection and
  // never answered, which is no flagwire server a script can use.
  if (err instanceof ConnectError && err.code === Code.DeadlineExceeded) {
    return new ServerUnreachableError(server, `${err.rawMessage}: is it a flagwire server? if it is only slow, raise --timeout`);
  }
  if (!(err instanceof ConnectError) || (err.code !== Code.Unavailable && err.code !== Code.Internal)) return err;
  const cause = (err.cause as NodeJS.ErrnoException | undefined)?.code ?? "";
  if (CONNECTION_FAILURES.has(cause)) return new ServerUnreachableError(server, err.rawMessage);
  if (PROTOCOL_MISMATCHES.test(cause)) {
    const hint = protocol === "grpc" ? "is this the HTTP port? add --protocol connect" : "is this the gRPC port? use --protocol grpc";
    return new ServerUnreachableError(server, `it does not speak ${protocol}: ${err.rawMessage}; ${hint}`);
  }
  return err;
}
