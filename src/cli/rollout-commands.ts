import { InvalidArgumentError, Option, type Command } from "commander";
import { ClearRolloutResponseSchema, RolloutStickiness, SetRolloutResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand, usageError } from "./client-command.js";
import { messageJson } from "./output.js";

/**
 * A percentage with up to two decimals as basis points, read from the text (25.5 -> 2550) rather than
 * multiplied as a float, so that no value is off by one basis point.
 */
export function parsePercentage(value: string): number {
  const match = /^(\d{1,3})(?:\.(\d{1,2}))?$/.exec(value);
  const basisPoints = match ? Number(match[1]) * 100 + Number((match[2] ?? "").padEnd(2, "0")) : NaN;
  if (!(basisPoints <= 10_000)) throw new InvalidArgumentError(`"${value}" is not a percentage: use 0-100 with at most two decimals, e.g. 25 or 12.5`);
  return basisPoints;
}

function parsed<T>(parse: () => T, command: Command): T {
  try {
    return parse();
  } catch (err) {
    return usageError(command, (err as Error).message);
  }
}

/** `flagwire set-rollout`: on for a stable share of users (or customers). */
export function setRolloutCommand(): Command {
  return clientCommand<{ by: "user" | "customer" }>({
    name: "set-rollout",
    description: "switch a feature on for a percentage of users (or customers), chosen by a stable hash",
    arguments: "<feature> <percent>",
    examples: ["flagwire set-rollout dashboard 25", "flagwire set-rollout dashboard 12.5 --by customer"],
    options: (command) =>
      command.addOption(new Option("--by <stickiness>", "bucket by the context's user or customer").choices(["user", "customer"]).default("user")),
    async run({ client, args: [feature, percent], opts, command }) {
      const basisPoints = parsed(() => parsePercentage(percent as string), command);
      const stickiness = opts.by === "customer" ? RolloutStickiness.CUSTOMER : RolloutStickiness.USER;
      const res = await client.setRollout({ feature, rollout: { basisPoints, stickiness } });
      return {
        json: messageJson(SetRolloutResponseSchema, res),
        text: `${feature} is rolled out to ${(basisPoints / 100).toFixed(2)}% by ${opts.by} (revision ${res.revision})`,
      };
    },
  });
}

/** `flagwire clear-rollout`: back to overrides, segments and the global value only. */
export function clearRolloutCommand(): Command {
  return clientCommand({
    name: "clear-rollout",
    description: "remove a feature's percentage rollout",
    arguments: "<feature>",
    examples: ["flagwire clear-rollout dashboard"],
    async run({ client, args: [feature] }) {
      const res = await client.clearRollout({ feature });
      return { json: messageJson(ClearRolloutResponseSchema, res), text: `${feature} has no rollout (revision ${res.revision})` };
    },
  });
}
