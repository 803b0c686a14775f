import { Command, Option } from "commander";
import { restoreDatabase } from "../store/sqlite/backup-database.js";
import { SERVE_DEFAULTS } from "./serve-command.js";

/** `flagwire restore FILE`: puts a backup in place of the database; the server must be stopped. */
export function restoreCommand(): Command {
  return new Command("restore")
    .description("replace the database with the backup FILE (stop the server first); the old database is kept beside it")
    .argument("<file>", "a backup written by `flagwire backup`")
    .addOption(new Option("--db <path>", "the database to replace").env("FLAGWIRE_DB").default(SERVE_DEFAULTS.db))
    .addHelpText("after", "\nExample:\n  flagwire restore /backups/flags-2024-05-01.db --db ./feature_flags.db")
    .action((file: string, opts: { db: string }) => {
      const { revision, previous } = restoreDatabase(file, opts.db);
      const kept = previous ? `; the replaced database is kept as ${JSON.stringify(previous)}` : "";
      process.stdout.write(`restored ${JSON.stringify(opts.db)} from ${JSON.stringify(file)} at revision ${revision}${kept}\n`);
    });
}
