/** What an OFREP request came to: status, headers and the parsed JSON body (undefined when empty or not JSON). */
export interface OfrepOutcome {
  status: number;
  header: Headers;
  body: Record<string, unknown> | undefined;
  text: string;
}

/** POSTs to an OFREP path as a hand-written client would; `body` is sent as is (a string or bytes) or as JSON. */
export async function postOfrep(
  baseUrl: string,
  path: string,
  body: unknown = { context: {} },
  headers: Record<string, string> = {},
  method = "POST",
): Promise<OfrepOutcome> {
  const init: RequestInit = { method, headers: { "content-type": "application/json", ...headers } };
  if (method !== "GET" && method !== "HEAD") init.body = typeof body === "string" || body instanceof Uint8Array ? body : JSON.stringify(body);
  const res = await fetch(`${baseUrl}${path}`, init);
  const text = await res.text();
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text === "" ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = undefined;
  }
  return { status: res.status, header: res.headers, body: parsed, text };
}

/** The single-flag path of `key`. */
export const flagPath = (key: string) => `/ofrep/v1/evaluate/flags/${key}`;
/** The bulk path. */
export const BULK_PATH = "/ofrep/v1/evaluate/flags";
