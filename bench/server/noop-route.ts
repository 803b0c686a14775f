import type { HttpRoute, RouteTarget } from "../../src/server/http/http-route.js";

/** The path of the no-op route. */
export const NOOP_PATH = "/bench/noop";

// About the size of an OFREP single-flag answer, so that both write the same bytes.
const ANSWER = JSON.stringify({ key: "feature-00500", value: true, variant: "on", reason: "TARGETING_MATCH", metadata: { reason: "USER_OVERRIDE", revision: 12345 } });

/**
 * Figure 13's baseline: a route on the HTTP listener that reads the request body and answers fixed JSON, with none
 * of OFREP's work (no parsing, auth, evaluation or logging): what node:http and the route table cost. Only the
 * bench server mounts it; `flagwire serve` never does.
 */
export function createNoopRoute(): HttpRoute {
  const target: RouteTarget = {
    name: NOOP_PATH,
    async handle({ req, res }) {
      for await (const _chunk of req) {
        // Read the body as OFREP does, and drop it.
      }
      res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(ANSWER) });
      res.end(ANSWER);
    },
  };
  return { match: (path) => (path === NOOP_PATH ? target : undefined) };
}
