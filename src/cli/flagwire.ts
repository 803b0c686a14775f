#!/usr/bin/env node
import { Command } from "commander";
import { addCustomerCommand, removeCustomerCommand } from "./customer-commands.js";
import { addFeatureCommand, listAllFeaturesCommand, removeFeatureCommand, renameFeatureCommand, setGlobalCommand } from "./feature-commands.js";
import { addUserCommand, removeUserCommand } from "./user-commands.js";
import { backupCommand } from "./backup-command.js";
import { clearFlagCommand, setFlagCommand } from "./override-commands.js";
import { evaluateCommand } from "./evaluate-command.js";
import { historyCommand } from "./history-command.js";
import { migrateCommand } from "./migrate-command.js";
import { listCustomersCommand, listCustomersDisabledCommand, listCustomersEnabledCommand, listFeaturesCommand } from "./list-commands.js";
import { clearRolloutCommand, setRolloutCommand } from "./rollout-commands.js";
import { restoreCommand } from "./restore-command.js";
import { runCli } from "./run-cli.js";
import { serveCommand } from "./serve-command.js";
import { tokenCommand } from "./token-command.js";
import { watchCommand } from "./watch-command.js";
import { staleCommand } from "./stale-command.js";

/** The `flagwire` command line: one line per command; each command lives in its own small file. */
const program = new Command("flagwire")
  .description("flagwire: a feature-flag service over gRPC, Connect and gRPC-Web")
  .addHelpText(
    "after",
    [
      "\nExamples:",
      "  flagwire serve",
      "  flagwire add-feature dashboard --default-enabled",
      "  flagwire evaluate dashboard --customer-id 101",
      "\nEvery command but serve calls a server: --server (FLAGWIRE_SERVER, default http://127.0.0.1:50051).",
      "Exit codes: 0 done, 1 refused by the server, 2 usage error, 3 server unreachable.",
    ].join("\n"),
  );

program.commandsGroup("Server:").addCommand(serveCommand());
program.commandsGroup("Features:");
program.addCommand(addFeatureCommand());
program.addCommand(removeFeatureCommand());
program.addCommand(renameFeatureCommand());
program.addCommand(setGlobalCommand());
program.addCommand(listAllFeaturesCommand());
program.addCommand(staleCommand());
program.addCommand(setRolloutCommand());
program.addCommand(clearRolloutCommand());
program.commandsGroup("Customers and users:");
program.addCommand(addCustomerCommand());
program.addCommand(removeCustomerCommand());
program.addCommand(addUserCommand());
program.addCommand(removeUserCommand());
program.commandsGroup("Overrides and evaluation:");
program.addCommand(setFlagCommand());
program.addCommand(clearFlagCommand());
program.addCommand(evaluateCommand());
program.addCommand(listFeaturesCommand());
program.addCommand(listCustomersCommand());
program.addCommand(listCustomersEnabledCommand());
program.addCommand(listCustomersDisabledCommand());
program.commandsGroup("Changes:");
program.addCommand(historyCommand());
program.addCommand(watchCommand());
program.commandsGroup("Operations (on the database file):");
program.addCommand(tokenCommand());
program.addCommand(backupCommand());
program.addCommand(restoreCommand());
program.addCommand(migrateCommand());

await runCli(program);
