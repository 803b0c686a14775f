import type { Command } from "commander";
import { describeFailure, EXIT } from "./exit-status.js";

/**
 * Runs the command line and sets the exit code: 0 done, 1 refused by the server, 2 usage error (with
 * one usage line and where the help is), 3 no server reachable. Commander's usage errors are caught rather than letting it
 * exit the process itself with its own codes.
 */
export async function runCli(program: Command, argv: readonly string[] = process.argv): Promise<void> {
  // After a usage error, the whole help (30-50 lines) would bury the reason: one line, and where the rest is.
  forEachCommand(program, (command) => command.exitOverride().showHelpAfterError(shortUsage(command)));
  // `flagwire watch | head -3`: a closed pipe ends the command, quietly.
  process.stdout.on("error", (err: NodeJS.ErrnoException) => {
    if (err.code !== "EPIPE") throw err;
    process.exit(EXIT.OK);
  });
  try {
    await program.parseAsync(argv);
  } catch (err) {
    const failure = describeFailure(err);
    if (failure.message) process.stderr.write(`${failure.message}\n`);
    process.exitCode = failure.code;
  }
}

function shortUsage(command: Command): string {
  const path: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) path.unshift(c.name());
  return `Usage: ${path.join(" ")} ${command.usage()}\nRun \`${path.join(" ")} --help\` for the options and examples.`;
}

function forEachCommand(command: Command, apply: (command: Command) => void): void {
  apply(command);
  for (const sub of command.commands) forEachCommand(sub, apply);
}
