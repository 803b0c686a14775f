#!/usr/bin/env node
import { Command } from "commander";
import { backupCommand } from "./backup-command.js";
import { restoreCommand } from "./restore-command.js";
import { serveCommand } from "./serve-command.js";
import { tokenCommand } from "./token-command.js";

/** The `flagwire` command line. */
const program = new Command("flagwire")
  .description("flagwire: a feature-flag service over gRPC, Connect and gRPC-Web")
  .showHelpAfterError()
  .addCommand(serveCommand())
  .addCommand(backupCommand())
  .addCommand(restoreCommand())
  .addCommand(tokenCommand());

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
