import { Command, Option } from "commander";
import { ROLES } from "../domain/api-token.js";
import { createTokenRegistry, type TokenRegistry } from "../engine/token-registry.js";
import { openTokenStore } from "../store/open-store.js";
import type { StoredToken } from "../store/token-store.js";

/** Who the tokens table records as creator or revoker for commands run on the database file. */
const CLI_ACTOR = "cli";

const dbOption = () => new Option("--db <path|url>", "the database: a SQLite file path or sqlite:<path> URL (created if missing), or a postgres:// URL").env("FLAGWIRE_DB").default("./feature_flags.db");

/** Runs `fn` on the tokens of a database file, directly: no server needed (and none is bypassed: it is the file). */
async function withTokens<T>(db: string, fn: (registry: TokenRegistry) => T | Promise<T>): Promise<T> {
  const store = await openTokenStore(db);
  try {
    const registry = await createTokenRegistry({ store });
    try {
      return await fn(registry);
    } finally {
      await registry.close();
    }
  } finally {
    await store.close();
  }
}

function describe(token: StoredToken): string {
  const at = (ms: number | null) => (ms === null ? "-" : new Date(ms).toISOString());
  const state = token.revokedAt === null ? "active" : `revoked ${at(token.revokedAt)} by ${token.revokedBy ?? "?"}`;
  return `${token.name}\t${token.role}\tcreated ${at(token.createdAt)} by ${token.createdBy}\tlast used ${at(token.lastUsedAt)}\t${state}`;
}

/**
 * `flagwire token create|list|revoke`: manages API tokens on the database file itself, which is how the first
 * admin token comes to exist (and how a lost one is replaced). Running servers on the same file see the change
 * on their next call.
 */
export function tokenCommand(): Command {
  const token = new Command("token")
    .description("manage API tokens directly on the database file")
    .addHelpText("after", "\nExamples:\n  flagwire token create --db ./feature_flags.db --role admin --name ops\n  flagwire token list --db ./feature_flags.db");
  token
    .command("create")
    .description("create a token and print its secret (shown only this once) on stdout")
    .addOption(dbOption())
    .addOption(new Option("--role <role>", "what the token may do").choices(ROLES).makeOptionMandatory())
    .requiredOption("--name <name>", "1-64 letters, digits, '.', '_' or '-'; the actor of the changes made with it")
    .addHelpText("after", "\nExample:\n  flagwire token create --db ./feature_flags.db --role admin --name ops")
    .action(async (opts: { db: string; role: string; name: string }) => {
      const { secret } = await withTokens(opts.db, (registry) => registry.create(opts.name, opts.role, CLI_ACTOR));
      process.stdout.write(`${secret}\n`);
      process.stderr.write(
        `created ${opts.role} token ${JSON.stringify(opts.name)}: send it as "authorization: Bearer <token>"; it is shown only this once\n`,
      );
    });
  token
    .command("list")
    .description("list tokens (never their secrets)")
    .addOption(dbOption())
    .action(async (opts: { db: string }) => {
      const tokens = await withTokens(opts.db, (registry) => registry.list());
      process.stdout.write(tokens.map((t) => `${describe(t)}\n`).join(""));
    });
  token
    .command("revoke")
    .description("revoke the active token with this name: its next call is refused, its streams end")
    .addOption(dbOption())
    .requiredOption("--name <name>", "the token's name")
    .action(async (opts: { db: string; name: string }) => {
      const revoked = await withTokens(opts.db, (registry) => registry.revoke(opts.name, CLI_ACTOR));
      process.stderr.write(`revoked token ${JSON.stringify(revoked.name)}\n`);
    });
  return token;
}
