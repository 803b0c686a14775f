import type { Command } from "commander";
import { CreateUserResponseSchema, DeleteUserResponseSchema } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand } from "./client-command.js";
import { messageJson } from "./output.js";

/** `flagwire add-user <id> [--customer-id C]`. */
export function addUserCommand(): Command {
  return clientCommand<{ customerId?: string }>({
    name: "add-user",
    description: "create a user, optionally belonging to an existing customer",
    arguments: "<id>",
    examples: ["flagwire add-user 456 --customer-id 101", "flagwire add-user 789"],
    options: (command) => command.option("--customer-id <id>", "the customer the user belongs to"),
    async run({ client, args: [id], opts }) {
      const res = await client.createUser({ id, customerId: opts.customerId ?? "" });
      const of = opts.customerId ? ` of customer ${opts.customerId}` : "";
      return { json: messageJson(CreateUserResponseSchema, res), text: `added user ${id}${of} (revision ${res.revision})` };
    },
  });
}

/** `flagwire remove-user <id>`: with its overrides. */
export function removeUserCommand(): Command {
  return clientCommand({
    name: "remove-user",
    description: "delete a user and its overrides",
    arguments: "<id>",
    examples: ["flagwire remove-user 456"],
    async run({ client, args: [id] }) {
      const res = await client.deleteUser({ id });
      return { json: messageJson(DeleteUserResponseSchema, res), text: `removed user ${id} (revision ${res.revision})` };
    },
  });
}
