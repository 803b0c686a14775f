import type { Command } from "commander";
import { CreateCustomerResponseSchema, DeleteCustomerResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand } from "./client-command.js";
import { messageJson } from "./output.js";

/** `flagwire add-customer <id>`. */
export function addCustomerCommand(): Command {
  return clientCommand({
    name: "add-customer",
    description: "create a customer",
    arguments: "<id>",
    examples: ["flagwire add-customer 101"],
    async run({ client, args: [id] }) {
      const res = await client.createCustomer({ id });
      return { json: messageJson(CreateCustomerResponseSchema, res), text: `added customer ${id} (revision ${res.revision})` };
    },
  });
}

/** `flagwire remove-customer <id>`: with its overrides, its users and theirs. */
export function removeCustomerCommand(): Command {
  return clientCommand({
    name: "remove-customer",
    description: "delete a customer, its overrides, its users and their overrides",
    arguments: "<id>",
    examples: ["flagwire remove-customer 101"],
    async run({ client, args: [id] }) {
      const res = await client.deleteCustomer({ id });
      return { json: messageJson(DeleteCustomerResponseSchema, res), text: `removed customer ${id} (revision ${res.revision})` };
    },
  });
}
