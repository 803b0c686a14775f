import { Command, Option } from "commander";
import { migrateStore } from "../store/migrate-store.js";

/** `flagwire migrate --from FILE --to postgres://…`: moves a database (state, tokens, usage, whole history) into PostgreSQL. */
export function migrateCommand(): Command {
  return new Command("migrate")
    .description("copy a database (state, tokens, flag usage and the whole change log, revisions kept) into an empty PostgreSQL database")
    .addOption(new Option("--from <db>", "the database to copy: a SQLite file (path or sqlite: URL); servers on it may keep serving").makeOptionMandatory())
    .addOption(new Option("--to <url>", "an empty PostgreSQL database: postgres://user:password@host:5432/dbname[?sslmode=require]").makeOptionMandatory())
    .addHelpText(
      "after",
      "\nExample:\n  flagwire migrate --from ./feature_flags.db --to postgres://flagwire@db.internal:5432/flagwire\n" +
        "Then start the replicas with --db (or FLAGWIRE_DB) set to the PostgreSQL URL; watchers resume by their old revisions.",
    )
    .action(async (opts: { from: string; to: string }) => {
      const started = performance.now();
      const { revision, firstRevision, counts } = await migrateStore(opts.from, opts.to);
      const seconds = ((performance.now() - started) / 1000).toFixed(1);
      const rows = Object.entries(counts).map(([table, n]) => `${n} ${table.replace(/_/g, " ")}`).join(", ");
      const log = revision === 0 ? "an empty change log" : `changes ${firstRevision}-${revision}`;
      process.stdout.write(`migrated ${JSON.stringify(opts.from)} at revision ${revision} in ${seconds} s: ${rows} (${log}); the clock continues at ${revision + 1}\n`);
    });
}
