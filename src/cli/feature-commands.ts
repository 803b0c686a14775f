import { Option, type Command } from "commander";
import {
  CreateFeatureResponseSchema,
  DeleteFeatureResponseSchema,
  ListFeaturesResponseSchema,
  RenameFeatureResponseSchema,
  SetFeatureEnabledResponseSchema,
} from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand, requireOneOf } from "./client-command.js";
import { alignColumns, messageJson, onOff } from "./output.js";
import { pageSizeOption, readAllPages } from "./read-all-pages.js";

/** `flagwire add-feature <name>`: creates a feature, off unless --default-enabled. */
export function addFeatureCommand(): Command {
  return clientCommand<{ defaultEnabled?: boolean; description?: string }>({
    name: "add-feature",
    description: "create a feature, off globally unless --default-enabled",
    arguments: "<name>",
    examples: ["flagwire add-feature dashboard --default-enabled", 'flagwire add-feature beta-search --description "new search UI"'],
    options: (command) =>
      command
        .addOption(new Option("--default-enabled", "switch the feature on globally").conflicts("defaultDisabled"))
        .addOption(new Option("--default-disabled", "leave the feature off globally (the default)"))
        .option("--description <text>", "free text for people, at most 1024 characters"),
    async run({ client, args: [name], opts }) {
      const res = await client.createFeature({ name, enabled: opts.defaultEnabled ?? false, description: opts.description ?? "" });
      return {
        json: messageJson(CreateFeatureResponseSchema, res),
        text: `added feature ${name}, ${onOff(res.feature?.enabled ?? false)} globally (revision ${res.revision})`,
      };
    },
  });
}

/** `flagwire remove-feature <name>`: deletes a feature and its overrides. */
export function removeFeatureCommand(): Command {
  return clientCommand({
    name: "remove-feature",
    description: "delete a feature and all of its overrides",
    arguments: "<name>",
    examples: ["flagwire remove-feature dashboard"],
    async run({ client, args: [name] }) {
      const res = await client.deleteFeature({ name });
      return { json: messageJson(DeleteFeatureResponseSchema, res), text: `removed feature ${name} (revision ${res.revision})` };
    },
  });
}

/** `flagwire rename-feature <name> <new-name>`: its overrides follow it. */
export function renameFeatureCommand(): Command {
  return clientCommand({
    name: "rename-feature",
    description: "rename a feature; its overrides follow it",
    arguments: "<name> <new-name>",
    examples: ["flagwire rename-feature dashboard new-dashboard"],
    async run({ client, args: [name, newName] }) {
      const res = await client.renameFeature({ name, newName });
      return { json: messageJson(RenameFeatureResponseSchema, res), text: `renamed feature ${name} to ${newName} (revision ${res.revision})` };
    },
  });
}

/** `flagwire set-global <name> --enabled|--disabled`: the value where no override applies. */
export function setGlobalCommand(): Command {
  return clientCommand<{ enabled?: boolean; disabled?: boolean }>({
    name: "set-global",
    description: "switch a feature on or off globally (where no override applies)",
    arguments: "<name>",
    examples: ["flagwire set-global dashboard --enabled", "flagwire set-global dashboard --disabled"],
    options: (command) =>
      command.addOption(new Option("--enabled", "switch it on").conflicts("disabled")).addOption(new Option("--disabled", "switch it off")),
    async run({ client, args: [name], opts, command }) {
      const enabled = requireOneOf(command, { enabled: opts.enabled, disabled: opts.disabled }) === "enabled";
      const res = await client.setFeatureEnabled({ name, enabled });
      return { json: messageJson(SetFeatureEnabledResponseSchema, res), text: `${name} is ${onOff(enabled)} globally (revision ${res.revision})` };
    },
  });
}

/** `flagwire list-all-features`: every feature with its global value and override counts. */
export function listAllFeaturesCommand(): Command {
  return clientCommand<{ pageSize: number }>({
    name: "list-all-features",
    description: "list every feature: name, global value, override counts",
    examples: ["flagwire list-all-features", "flagwire list-all-features --json"],
    options: (command) => command.addOption(pageSizeOption()),
    async run({ client, opts }) {
      const res = await readAllPages((pageToken) => client.listFeatures({ pageSize: opts.pageSize, pageToken }), "features");
      const rows = res.features.map((f) => [f.name, onOff(f.enabled), String(f.customerOverrideCount), String(f.userOverrideCount)]);
      return {
        json: messageJson(ListFeaturesResponseSchema, res),
        text: rows.length > 0 ? alignColumns([["NAME", "GLOBAL", "CUSTOMER OVERRIDES", "USER OVERRIDES"], ...rows]).join("\n") : "no features",
      };
    },
  });
}
