import { Option, type Command } from "commander";
import { ClearOverrideResponseSchema, SetOverrideResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand, requireOneOf } from "./client-command.js";
import { messageJson, onOff } from "./output.js";

interface TargetOptions {
  customerId?: string;
  userId?: string;
}

/** `flagwire set-flag <feature> --customer-id C|--user-id U --enabled|--disabled`. */
export function setFlagCommand(): Command {
  return clientCommand<TargetOptions & { enabled?: boolean; disabled?: boolean }>({
    name: "set-flag",
    description: "switch a feature on or off for one customer or one user (an override)",
    arguments: "<feature>",
    examples: ["flagwire set-flag dashboard --customer-id 101 --enabled", "flagwire set-flag dashboard --user-id 456 --disabled"],
    options: (command) =>
      addTargetOptions(command)
        .addOption(new Option("--enabled", "switch it on for the target").conflicts("disabled"))
        .addOption(new Option("--disabled", "switch it off for the target")),
    async run({ client, args: [feature], opts, command }) {
      const target = readTarget(command, opts);
      const enabled = requireOneOf(command, { enabled: opts.enabled, disabled: opts.disabled }) === "enabled";
      const res = await client.setOverride({ feature, target: target.message, enabled });
      return {
        json: messageJson(SetOverrideResponseSchema, res),
        text: `${feature} is ${onOff(enabled)} for ${target.text} (revision ${res.revision})`,
      };
    },
  });
}

/** `flagwire clear-flag <feature> --customer-id C|--user-id U`: the target inherits again. */
export function clearFlagCommand(): Command {
  return clientCommand<TargetOptions>({
    name: "clear-flag",
    description: "remove the override of a feature for one customer or one user, so it inherits again",
    arguments: "<feature>",
    examples: ["flagwire clear-flag dashboard --customer-id 101", "flagwire clear-flag dashboard --user-id 456"],
    options: addTargetOptions,
    async run({ client, args: [feature], opts, command }) {
      const target = readTarget(command, opts);
      const res = await client.clearOverride({ feature, target: target.message });
      return {
        json: messageJson(ClearOverrideResponseSchema, res),
        text: `${feature} has no override for ${target.text} (revision ${res.revision})`,
      };
    },
  });
}

function addTargetOptions(command: Command): Command {
  return command
    .addOption(new Option("--customer-id <id>", "the customer the override is for").conflicts("userId"))
    .addOption(new Option("--user-id <id>", "the user the override is for"));
}

function readTarget(command: Command, opts: TargetOptions) {
  const kind = requireOneOf(command, { customerId: opts.customerId, userId: opts.userId });
  const id = opts[kind] ?? "";
  return {
    message: { kind: { case: kind, value: id } },
    text: `${kind === "customerId" ? "customer" : "user"} ${id}`,
  };
}
