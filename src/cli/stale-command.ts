import { Option, type Command } from "commander";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { ListFeaturesResponseSchema, StaleReason, type Feature } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand } from "./client-command.js";
import { alignColumns, messageJson, onOff } from "./output.js";
import { pageSizeOption, readAllPages } from "./read-all-pages.js";
import { wholeNumber } from "./whole-number.js";

/** How each reason reads in the text output. */
const REASON_TEXT: Record<StaleReason, string> = {
  [StaleReason.UNSPECIFIED]: "unknown",
  [StaleReason.NOT_EVALUATED]: "not evaluated",
  [StaleReason.UNIFORM]: "one value for everyone, unchanged",
};

/** `flagwire stale [--days 30]`: the features nobody evaluates, or that serve one value to everyone, and why. */
export function staleCommand(): Command {
  return clientCommand<{ pageSize: number; days: number }>({
    name: "stale",
    description: "list the features stale for --days days (not evaluated, or serving one value to everyone unchanged) and why",
    examples: ["flagwire stale", "flagwire stale --days 90 --json"],
    options: (command) =>
      command
        .addOption(new Option("--days <n>", "how many days without evaluation, or unchanged while uniform (1-3650)").argParser(wholeNumber(1)).default(30))
        .addOption(pageSizeOption()),
    async run({ client, opts }) {
      const res = await readAllPages((pageToken) => client.listFeatures({ staleDays: opts.days, pageSize: opts.pageSize, pageToken }), "features");
      const rows = res.features.map((f) => [f.name, onOff(f.enabled), lastEvaluated(f), String(f.evaluations30d), reasons(f, opts.days)]);
      return {
        json: messageJson(ListFeaturesResponseSchema, res),
        text:
          rows.length > 0
            ? alignColumns([["NAME", "GLOBAL", "LAST EVALUATED", "30 DAYS", "STALE BECAUSE"], ...rows]).join("\n")
            : `no feature is stale for ${opts.days} days`,
      };
    },
  });
}

function lastEvaluated(feature: Feature): string {
  return feature.lastEvaluateTime ? timestampDate(feature.lastEvaluateTime).toISOString() : "never";
}

function reasons(feature: Feature, days: number): string {
  return feature.staleReasons.map((reason) => `${REASON_TEXT[reason]} for ${days} days`).join("; ");
}
