import type { IncomingMessage } from "node:http";
import { checkContext } from "../../../domain/identifiers.js";
import { DomainError } from "../../../domain/domain-error.js";
import type { EvaluationContext } from "../../../domain/evaluate.js";
import { readDeclaredBody } from "../read-declared-body.js";
import { OfrepError } from "./ofrep-error.js";

/** What the context attributes mean to flagwire: the user and the customer; any other attribute is ignored. */
export const CONTEXT_ATTRIBUTES = { user: "targetingKey", customer: "customerId" } as const;

const UTF8 = new TextDecoder("utf-8", { fatal: true });
const JSON_TYPE = /^application\/(?:[\w.-]+\+)?json\s*(?:;|$)/i;

/**
 * Reads an OFREP request body (`{"context": {...}}`) into an evaluation context: `targetingKey` is the user id and
 * `customerId` the customer id; other attributes are ignored (flagwire evaluates by those two ids only). Refuses,
 * with an {@link OfrepError} that says what to send: a body past `readMaxBytes` (413), a content type that is not
 * JSON (415), bytes that are not JSON (400 PARSE_ERROR), a body or context of the wrong shape or a malformed id
 * (400 INVALID_CONTEXT). An empty body is the empty context.
 */
export async function readOfrepRequest(req: IncomingMessage, readMaxBytes: number): Promise<EvaluationContext> {
  const contentType = req.headers["content-type"];
  if (contentType !== undefined && contentType !== "application/json" && !JSON_TYPE.test(contentType)) {
    throw new OfrepError(415, "PARSE_ERROR", `content-type ${shown(contentType)} is not JSON: send content-type: application/json with a body {"context": {...}}`);
  }
  const text = await readBody(req, readMaxBytes);
  if (text.trim() === "") return {};
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    throw new OfrepError(400, "PARSE_ERROR", `the request body is not valid JSON (${(err as Error).message}): send {"context": {"targetingKey": "<user id>"}}`);
  }
  return contextOf(body);
}

/** The evaluation context of a parsed body, checked with the domain's own id rules. */
export function contextOf(body: unknown): EvaluationContext {
  if (!isObject(body)) throw invalid(`the request body must be a JSON object {"context": {...}}, not ${kindOf(body)}`);
  const context = body.context;
  if (context === undefined || context === null) return {};
  if (!isObject(context)) throw invalid(`"context" must be an object of attributes, not ${kindOf(context)}`);
  const userId = idAttribute(context, CONTEXT_ATTRIBUTES.user, "the user id");
  const customerId = idAttribute(context, CONTEXT_ATTRIBUTES.customer, "the customer id");
  const evaluation: EvaluationContext = { userId, customerId };
  try {
    checkContext(evaluation, "context: ");
  } catch (err) {
    if (err instanceof DomainError) throw invalid(err.message);
    throw err;
  }
  return evaluation;
}

function idAttribute(context: Record<string, unknown>, name: string, what: string): string | undefined {
  const value = context[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw invalid(`context attribute "${name}" (${what}) must be a string, not ${kindOf(value)}`);
  return value;
}

/** The body as text, refused past the limit (by Content-Length before reading, else as it arrives). */
async function readBody(req: IncomingMessage, readMaxBytes: number): Promise<string> {
  const length = req.headers["content-length"];
  const declared = Number(length ?? 0);
  if (declared > readMaxBytes) throw tooLarge(readMaxBytes);
  // With a Content-Length within the limit (node:http stops the body there) nothing can go past it: read by events,
  // without an async iterator and a promise per chunk. Chunked bodies are counted as they arrive.
  const bytes = length !== undefined && req.headers["transfer-encoding"] === undefined ? await readDeclaredBody(req) : await readCounted(req, readMaxBytes);
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new OfrepError(400, "PARSE_ERROR", "the request body is not UTF-8: send JSON in UTF-8");
  }
}

async function readCounted(req: IncomingMessage, readMaxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.byteLength;
    if (size > readMaxBytes) throw tooLarge(readMaxBytes);
    chunks.push(chunk);
  }
  return chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks);
}

function tooLarge(readMaxBytes: number): OfrepError {
  return new OfrepError(413, "GENERAL", `request is larger than the limit of ${readMaxBytes} bytes: send only "targetingKey" and "customerId" in the context`);
}

function invalid(message: string): OfrepError {
  return new OfrepError(400, "INVALID_CONTEXT", message);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function kindOf(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return `a ${typeof value}`;
}

function shown(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}
