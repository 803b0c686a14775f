import type { Command } from "commander";
import { WatchChangesResponseSchema, type WatchChangesResponse } from "../../gen/flagwire/v1/flags_pb.js";
import { watchChanges, type ReconnectEvent } from "../client/watch-changes.js";
import { CHANGE_WIDTHS, changeCells } from "./change-format.js";
import { clientCommand } from "./client-command.js";
import { wholeNumber } from "./whole-number.js";
import { statusName } from "./exit-status.js";
import { alignColumns, messageJson, printLine, printNote } from "./output.js";

/** `flagwire watch [--since REV] [--feature F]...`: follows changes until Ctrl-C, resuming on reconnect. */
export function watchCommand(): Command {
  return clientCommand<{ since?: number; feature: string[] }>({
    name: "watch",
    description: "follow changes as they are made, until Ctrl-C; reconnects and resumes by revision",
    examples: ["flagwire watch", "flagwire watch --since 41 --feature dashboard --feature beta-search", "flagwire watch --json"],
    options: (command) =>
      command
        .option("--since <revision>", "first replay the changes after this revision", wholeNumber(0))
        .option("--feature <name>", "only changes of this feature (repeatable), plus customer and user changes", (name: string, names: string[]) => [...names, name], []),
    async run({ client, opts }) {
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once("SIGINT", stop);
      process.once("SIGTERM", stop);
      // One unary call first: an unreachable server ends the command (exit 3) instead of being retried
      // like a dropped stream. Without --since, the watch starts from the current revision rather than
      // "from now on", so that it resumes without a gap even if it drops before any change arrives.
      const current = Number((await client.listChanges({ pageSize: 1 })).revision);
      const sinceRevision = opts.since ?? current;
      if (!opts.json) printNote(`(watching changes after revision ${sinceRevision}; Ctrl-C to stop)`);
      let caughtUp = false;
      const onReconnect = (event: ReconnectEvent) => {
        caughtUp = false;
        printNote(
          `(connection lost: ${statusName(event.error.code)}: ${event.error.rawMessage}; ` +
            `reconnecting in ${(event.delayMs / 1000).toFixed(1)} s, resuming after revision ${event.resumeFrom ?? sinceRevision})`,
        );
      };
      const messages = watchChanges(client, { sinceRevision, features: opts.feature, signal: abort.signal, onReconnect });
      for await (const message of messages) {
        if (opts.json) printLine(JSON.stringify(messageJson(WatchChangesResponseSchema, message)));
        else if (message.heartbeat) {
          // Heartbeats only prove the stream alive: say once per connection that it has caught up.
          if (!caughtUp) printNote(`(current at revision ${message.heartbeat.revision})`);
          caughtUp = true;
        } else printForPeople(message);
      }
      process.off("SIGINT", stop);
      process.off("SIGTERM", stop);
    },
  });
}

/** A change as an aligned line; of a snapshot (sent when the log was pruned), only where it ends. */
function printForPeople(message: WatchChangesResponse): void {
  if (message.change) printLine(alignColumns([changeCells(message.change)], CHANGE_WIDTHS)[0] ?? "");
  else if (message.snapshot?.last) printNote(`(snapshot of the whole state at revision ${message.snapshot.revision}; changes follow)`);
}
