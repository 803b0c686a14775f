import type { Command } from "commander";
import { EvaluateResponseSchema, EvaluationReason } from "../../gen/flagwire/v1/flags_pb.js";
import { clientCommand } from "./client-command.js";
import { enumWords, messageJson, onOff } from "./output.js";

/** `flagwire evaluate <feature> [--customer-id C] [--user-id U]`: on or off, and which rule decided. */
export function evaluateCommand(): Command {
  return clientCommand<{ customerId?: string; userId?: string }>({
    name: "evaluate",
    description: "tell whether a feature is on for a customer and/or user, and why",
    arguments: "<feature>",
    examples: ["flagwire evaluate dashboard --customer-id 101", "flagwire evaluate dashboard --user-id 456", "flagwire evaluate dashboard"],
    options: (command) =>
      command
        .option("--customer-id <id>", "the customer in context (default: the user's own customer)")
        .option("--user-id <id>", "the user in context"),
    async run({ client, args: [feature], opts }) {
      const res = await client.evaluate({ feature, customerId: opts.customerId ?? "", userId: opts.userId ?? "" });
      return { json: messageJson(EvaluateResponseSchema, res), text: `${onOff(res.enabled)} (${enumWords(EvaluationReason[res.reason])})` };
    },
  });
}
