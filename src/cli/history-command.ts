import type { Command } from "commander";
import { ListChangesResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { CHANGE_HEADER, changeCells } from "./change-format.js";
import { clientCommand } from "./client-command.js";
import { wholeNumber } from "./whole-number.js";
import { alignColumns, messageJson } from "./output.js";
import { MAX_PAGE_SIZE, pageSizeOption, readAllPages } from "./read-all-pages.js";

/** `flagwire history [--since REV] [--limit N]`: the change log. */
export function historyCommand(): Command {
  return clientCommand<{ since?: number; limit?: number; pageSize: number }>({
    name: "history",
    description: "show the change log: who changed what, when, at which revision",
    examples: ["flagwire history --limit 20", "flagwire history --since 41", "flagwire history --since 41 --limit 100 --json"],
    options: (command) =>
      command
        .option("--since <revision>", "only changes after this revision, oldest first", wholeNumber(0))
        .option("--limit <n>", "at most n changes: the first n after --since, or else the latest n", wholeNumber(1))
        .addOption(pageSizeOption()),
    async run({ client, opts }) {
      const limit = opts.limit ?? Infinity;
      // Without --since, --limit asks for the latest changes: revisions are consecutive, so they start
      // `limit` below the current one (older ones may have been pruned; then fewer exist).
      const since =
        opts.since ?? (opts.limit === undefined ? 0 : Math.max(0, Number((await client.listChanges({ pageSize: 1 })).revision) - opts.limit));
      const pageSize = Math.min(opts.pageSize, limit, MAX_PAGE_SIZE);
      const res = await readAllPages((pageToken) => client.listChanges({ sinceRevision: BigInt(since), pageSize, pageToken }), "changes", limit);
      const text = res.changes.length > 0 ? alignColumns([CHANGE_HEADER, ...res.changes.map(changeCells)]).join("\n") : `no changes after revision ${since}`;
      return { json: messageJson(ListChangesResponseSchema, res), text };
    },
  });
}
