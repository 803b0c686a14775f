import { Command, Option } from "commander";
import { backupStore } from "../store/backup-store.js";
import { SERVE_DEFAULTS } from "./serve-command.js";

/** `flagwire backup FILE`: a consistent copy of the database, taken while servers keep serving it. */
export function backupCommand(): Command {
  return new Command("backup")
    .description("write a consistent copy of the database to FILE, while flagwire keeps serving it")
    .argument("<file>", "the backup file to create; an existing file is refused")
    .addOption(new Option("--db <path>", "the database to back up").env("FLAGWIRE_DB").default(SERVE_DEFAULTS.db))
    .addHelpText("after", "\nExample:\n  flagwire backup /backups/flags-$(date +%F).db --db ./feature_flags.db\nRestore with `flagwire restore FILE`.")
    .action((file: string, opts: { db: string }) => {
      const { revision } = backupStore(opts.db, file);
      process.stdout.write(`backed up ${JSON.stringify(opts.db)} at revision ${revision} to ${JSON.stringify(file)}\n`);
    });
}
