import { Code, ConnectError } from "@connectrpc/connect";
import { CommanderError } from "commander";

/** The exit codes of `flagwire`: the contract scripts rely on. */
export const EXIT = {
  /** The command did what was asked. */
  OK: 0,
  /** The server refused the operation (the gRPC status and its message are on stderr). */
  REFUSED: 1,
  /** The command line itself is wrong: unknown command or flag, missing or malformed argument. */
  USAGE: 2,
  /** No flagwire server answered at the address tried. */
  UNREACHABLE: 3,
} as const;

/** No flagwire server answers at `server`: nothing listens there, or it does not speak the protocol. */
export class ServerUnreachableError extends Error {
  constructor(
    readonly server: string,
    readonly reason: string,
  ) {
    super(
      `cannot reach a flagwire server at ${server} (${reason}).\n` +
        "Start one with `flagwire serve` (or `npm start` in the flagwire repository), " +
        "or point --server / FLAGWIRE_SERVER at a running one.",
    );
    this.name = "ServerUnreachableError";
  }
}

/**
 * The exit code and stderr text for an error that ended a command. Commander has already printed its own
 * errors (with the usage), so they get no text of their own here.
 */
export function describeFailure(err: unknown): { code: number; message: string | undefined } {
  if (err instanceof CommanderError) {
    // --help and --version end through the same path, with exit code 0.
    return { code: err.exitCode === 0 ? EXIT.OK : EXIT.USAGE, message: undefined };
  }
  if (err instanceof ServerUnreachableError) return { code: EXIT.UNREACHABLE, message: `error: ${err.message}` };
  if (err instanceof ConnectError) return { code: EXIT.REFUSED, message: `error: ${statusName(err.code)}: ${err.rawMessage}` };
  return { code: EXIT.REFUSED, message: `error: ${err instanceof Error ? err.message : String(err)}` };
}

/** `NotFound` -> `NOT_FOUND`: the status names as gRPC documents them. */
export function statusName(code: Code): string {
  return Code[code].replace(/([a-z])([A-Z])/g, "$1_$2").toUpperCase();
}
