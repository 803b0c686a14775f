import { Command, Option } from "commander";
import { restoreStore, type AuthState } from "../store/backup-store.js";
import { SERVE_DEFAULTS } from "./serve-command.js";

/** `flagwire restore FILE`: puts a backup in place of the database; the server must be stopped. */
export function restoreCommand(): Command {
  return new Command("restore")
    .description("replace the database with the backup FILE (stop the server first); the old database is kept beside it")
    .argument("<file>", "a backup written by `flagwire backup`")
    .addOption(new Option("--db <path>", "the database to replace").env("FLAGWIRE_DB").default(SERVE_DEFAULTS.db))
    .addHelpText("after", "\nExample:\n  flagwire restore /backups/flags-2024-05-01.db --db ./feature_flags.db")
    .action((file: string, opts: { db: string }) => {
      const { revision, previous, auth, previousAuth } = restoreStore(file, opts.db);
      const kept = previous ? `; the replaced database is kept as ${JSON.stringify(previous)}` : "";
      process.stdout.write(`restored ${JSON.stringify(opts.db)} from ${JSON.stringify(file)} at revision ${revision}${kept}\n`);
      process.stdout.write(`${describeAuth(auth, opts.db)}\n`);
      if (previousAuth?.on && !auth.on) {
        process.stderr.write("warning: the replaced database had authentication on; the restored one has it off: anyone on loopback may change every flag\n");
      }
    });
}

/** A restore can switch authentication off (a backup from before the first token): say so, every time. */
function describeAuth(auth: AuthState, db: string): string {
  const create = `create one with \`flagwire token create --db ${db} --role admin --name ops\``;
  if (!auth.on) return `auth: off (no token ever created): a server on it serves loopback only, to anyone there; ${create} to turn it on`;
  if (auth.activeTokens === 0) return `auth: on, but no token: nobody can call it; ${create}`;
  return `auth: on (${auth.activeTokens} active token${auth.activeTokens === 1 ? "" : "s"})`;
}
