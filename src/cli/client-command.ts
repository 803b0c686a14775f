import { readFileSync } from "node:fs";
import { Command, InvalidArgumentError, Option } from "commander";
import { createFlagClient, type FlagClient, type FlagClientProtocol } from "../client/create-flag-client.js";
import { EXIT } from "./exit-status.js";
import { printLine, type CommandOutput } from "./output.js";
import { checkReachableOnFirstCall, DEFAULT_SERVER, explainConnectionFailure, parseServerUrl } from "./server-connection.js";

/** Options every command that talks to a server has. */
export interface ConnectionOptions {
  server: string;
  protocol: FlagClientProtocol;
  actor?: string;
  token?: string;
  tlsCa?: string;
  timeout: number;
  json?: boolean;
}

/** Seconds a command waits for the server's answer (a watch: until its stream is established) unless --timeout says otherwise. */
export const DEFAULT_TIMEOUT_SECONDS = 10;

/** What a command's `run` gets: a connected client and the parsed command line. */
export interface ClientContext<Opts> {
  client: FlagClient;
  /** The positional arguments, in the order the command declares them. */
  args: string[];
  opts: Opts & ConnectionOptions;
  /** For {@link usageError}. */
  command: Command;
}

/** Describes one `flagwire` command that calls the server. */
export interface ClientCommandSpec<Opts> {
  name: string;
  /** One line for `flagwire --help`. */
  description: string;
  /** Positional arguments in commander's syntax, e.g. `<name> <new-name>`. */
  arguments?: string;
  /** Command lines shown under "Examples:" in the command's --help; each must work verbatim. */
  examples: string[];
  /** Adds the command's own options. */
  options?: (command: Command) => void;
  /** Calls the server; returns what to print, or prints by itself (a stream) and returns nothing. */
  run(context: ClientContext<Opts>): Promise<CommandOutput | void>;
}

/**
 * Builds a command that calls the server: it adds --server, --protocol, --actor, --token, --tls-ca and
 * --json, checks that
 * the server is reachable (on the first call, after the command has checked its own arguments), and
 * prints the result as text or as one JSON document.
 *
 * @example
 * clientCommand({
 *   name: "remove-user", description: "delete a user", arguments: "<id>", examples: ["flagwire remove-user 456"],
 *   async run({ client, args: [id] }) { ... },
 * });
 */
export function clientCommand<Opts = object>(spec: ClientCommandSpec<Opts>): Command {
  const command = new Command(spec.name).description(spec.description);
  if (spec.arguments) command.arguments(spec.arguments);
  spec.options?.(command);
  command
    .option("--json", "print the result as JSON (the Connect JSON of the response)")
    .addOption(
      new Option("--server <url>", "server to call").env("FLAGWIRE_SERVER").default(DEFAULT_SERVER).argParser(parseServerUrl).helpGroup("Server options:"),
    )
    .addOption(
      new Option("--protocol <protocol>", "grpc for the gRPC port; connect or grpc-web for the HTTP port (:8080)")
        .choices(["grpc", "connect", "grpc-web"])
        .env("FLAGWIRE_PROTOCOL")
        .default("grpc")
        .helpGroup("Server options:"),
    )
    .addOption(
      new Option("--actor <name>", "who makes the change, recorded in the change log").env("FLAGWIRE_ACTOR").argParser(parseActor).helpGroup("Server options:"),
    )
    .addOption(
      new Option("--token <token>", "API token (authorization: Bearer), needed once the server has tokens")
        .env("FLAGWIRE_TOKEN")
        .helpGroup("Server options:"),
    )
    .addOption(
      new Option("--tls-ca <file>", "PEM CA that signed the server's certificate, for an https:// server it does not trust yet")
        .env("FLAGWIRE_TLS_CA")
        .helpGroup("Server options:"),
    )
    .addOption(
      new Option("--timeout <seconds>", "how long to wait for the server's answer (watch: for its stream to start), then exit 3")
        .env("FLAGWIRE_TIMEOUT")
        .default(DEFAULT_TIMEOUT_SECONDS)
        .argParser(parseSeconds)
        .helpGroup("Server options:"),
    )
    .addHelpText("after", `\nExamples:\n${spec.examples.map((example) => `  ${example}`).join("\n")}`)
    .action(async (...params: unknown[]) => {
      const self = params.at(-1) as Command;
      const opts = self.opts<Opts & ConnectionOptions>();
      const client = checkReachableOnFirstCall(
        createFlagClient({
          baseUrl: opts.server,
          protocol: opts.protocol,
          ...(opts.actor ? { actor: opts.actor } : {}),
          ...(opts.token ? { token: opts.token } : {}),
          ...(opts.tlsCa ? { tls: { ca: readFileSync(opts.tlsCa) } } : {}),
          answerTimeoutMs: opts.timeout * 1000,
        }),
        opts.server,
      );
      let output: CommandOutput | void;
      try {
        output = await spec.run({ client, args: self.processedArgs as string[], opts, command: self });
      } catch (err) {
        throw explainConnectionFailure(err, opts.server, opts.protocol);
      }
      if (output) printLine(opts.json ? JSON.stringify(output.json, null, 2) : output.text);
    });
  return command;
}

function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (value.trim() === "" || !Number.isFinite(seconds) || seconds <= 0) {
    throw new InvalidArgumentError(`"${value}" is not a positive number of seconds`);
  }
  return seconds;
}

/**
 * The server allows 1-128 printable ASCII characters, but over native gRPC a header with anything else
 * is dropped on the way (the change would be recorded with no actor), so the server cannot refuse it.
 */
function parseActor(value: string): string {
  if (!/^[\x20-\x7e]{1,128}$/.test(value)) throw new InvalidArgumentError(`"${value}" is not a valid actor: use 1-128 printable ASCII characters`);
  return value;
}

/** Ends the command as a usage error (exit 2), printing the message and the command's help. */
export function usageError(command: Command, message: string): never {
  command.error(`error: ${message}`, { exitCode: EXIT.USAGE, code: "flagwire.usage" });
}

/**
 * The one flag of a pair of mutually exclusive flags that was given, e.g. `--enabled` or `--disabled`;
 * a usage error when neither was (commander's `conflicts` already refuses both).
 */
export function requireOneOf<K extends string>(command: Command, flags: Record<K, unknown>): K {
  const given = (Object.keys(flags) as K[]).filter((key) => flags[key] !== undefined && flags[key] !== false);
  if (given.length === 1) return given[0] as K;
  const names = (Object.keys(flags) as K[]).map((key) => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`);
  usageError(command, `give one of ${names.join(" or ")}`);
}
