import type { Command } from "commander";
import {
  CustomerFeatureFilter,
  ListCustomersWithFeatureResponseSchema,
  ListFeaturesForCustomerResponseSchema,
} from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand } from "./client-command.js";
import { listText, messageJson } from "./output.js";
import { pageSizeOption, readAllPages } from "./read-all-pages.js";

/** `flagwire list-features <customer-id>`: the features that are on for a customer. */
export function listFeaturesCommand(): Command {
  return clientCommand<{ pageSize: number }>({
    name: "list-features",
    description: "list the features that are on for a customer (its overrides, else the global values)",
    arguments: "<customer-id>",
    examples: ["flagwire list-features 101"],
    options: (command) => command.addOption(pageSizeOption()),
    async run({ client, args: [customerId], opts }) {
      const res = await readAllPages((pageToken) =>
        client.listFeaturesForCustomer({ customerId, pageSize: opts.pageSize, pageToken }), "features");
      return { json: messageJson(ListFeaturesForCustomerResponseSchema, res), text: listText(res.features, `no features are on for customer ${customerId}`) };
    },
  });
}

/** `flagwire list-customers <feature>`: the customers that have it on. */
export function listCustomersCommand(): Command {
  return customersWithFeatureCommand("list-customers", CustomerFeatureFilter.ENABLED, "list the customers that have a feature on (their override, else the global value)", (f) => `no customers have ${f} on`);
}

/** `flagwire list-customers-enabled <feature>`: customers with an override that switches it on. */
export function listCustomersEnabledCommand(): Command {
  return customersWithFeatureCommand("list-customers-enabled", CustomerFeatureFilter.EXPLICITLY_ENABLED, "list the customers with an override that switches a feature on", (f) => `no customer overrides switch ${f} on`);
}

/** `flagwire list-customers-disabled <feature>`: customers with an override that switches it off. */
export function listCustomersDisabledCommand(): Command {
  return customersWithFeatureCommand("list-customers-disabled", CustomerFeatureFilter.EXPLICITLY_DISABLED, "list the customers with an override that switches a feature off", (f) => `no customer overrides switch ${f} off`);
}

function customersWithFeatureCommand(name: string, filter: CustomerFeatureFilter, description: string, whenEmpty: (feature: string) => string): Command {
  return clientCommand<{ pageSize: number }>({
    name,
    description,
    arguments: "<feature>",
    examples: [`flagwire ${name} dashboard`],
    options: (command) => command.addOption(pageSizeOption()),
    async run({ client, args: [feature], opts }) {
      const res = await readAllPages((pageToken) =>
        client.listCustomersWithFeature({ feature, filter, pageSize: opts.pageSize, pageToken }), "customerIds");
      return { json: messageJson(ListCustomersWithFeatureResponseSchema, res), text: listText(res.customerIds, whenEmpty(feature ?? "")) };
    },
  });
}
