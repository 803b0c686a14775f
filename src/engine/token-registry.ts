import { randomBytes } from "node:crypto";
import { setMaxListeners } from "node:events";
import { checkRole, checkSecret, checkTokenName, hashSecret, TOKEN_PREFIX, type Role } from "../domain/api-token.js";
import { DomainError } from "../domain/domain-error.js";
import { quote } from "../domain/identifiers.js";
import type { StoredToken, TokenStore, TokenTable } from "../store/token-store.js";

/** The outcome of presenting a secret. */
export type Authentication =
  | { status: "off" }
  | { status: "missing" }
  | { status: "no-token" }
  | { status: "ok"; token: StoredToken }
  | { status: "revoked"; token: StoredToken }
  | { status: "unknown" };

/** Options of {@link createTokenRegistry}. */
export interface TokenRegistryOptions {
  store: TokenStore;
  /** Milliseconds since the epoch; injectable for tests. */
  clock?: () => number;
  /** How often to look for tokens revoked by other processes, to end their streams; default 50 ms. */
  pollIntervalMs?: number;
  /** How often last-use times are written; default 5 s. They are kept in memory in between. */
  flushIntervalMs?: number;
}

/** Secrets whose hash is remembered; far more than the tokens a deployment has. */
const HASH_CACHE_SIZE = 1024;

/** The name FLAGWIRE_BOOTSTRAP_TOKEN's token gets. */
export const BOOTSTRAP_TOKEN_NAME = "bootstrap";

/**
 * Creates the registry of API tokens: an in-memory copy of the tokens table, kept current with other processes
 * (checked on every call, so a revocation anywhere refuses the token's next call), plus last-use times that are
 * written in batches rather than once per call.
 */
export async function createTokenRegistry(options: TokenRegistryOptions) {
  const { store } = options;
  const clock = options.clock ?? Date.now;
  let byHash = new Map<string, StoredToken>();
  // Set once a token ever existed (the store's mark): from then on, no token means nobody gets in.
  let marked = false;
  const pendingUse = new Map<string, number>();
  // Secret -> hash, so that the hot path does not hash on every call (a few µs). Bounded: random secrets sent by
  // a stranger only churn it.
  const hashes = new Map<string, string>();
  const hashOf = (secret: string): string => {
    let hash = hashes.get(secret);
    if (hash === undefined) {
      if (hashes.size >= HASH_CACHE_SIZE) hashes.clear();
      hashes.set(secret, (hash = hashSecret(secret)));
    }
    return hash;
  };
  // One per token that has open streams; aborted when the token is revoked.
  const revocations = new Map<string, AbortController>();

  const adopt = (table: TokenTable): void => {
    const next = new Map(table.tokens.map((token) => [token.hash, token]));
    for (const [hash, controller] of revocations) {
      const token = next.get(hash);
      if (token?.revokedAt !== null && !controller.signal.aborted) controller.abort(revokedError(token?.name));
    }
    byHash = next;
    // Sticky in memory too: nothing done to the file while this server runs switches its authentication off.
    marked ||= next.size > 0 || table.marked;
  };
  const reload = async (): Promise<void> => adopt(await store.readTokens());
  // Synchronous: asked on every authenticated call, so that a revocation anywhere refuses the token's next call.
  const refresh = (): void => {
    const changed = store.changedTokens();
    if (changed) adopt(changed);
  };
  await reload();

  const flush = async (): Promise<void> => {
    if (pendingUse.size === 0) return;
    const uses = new Map(pendingUse);
    pendingUse.clear();
    try {
      await store.recordUse(uses);
    } catch {
      // A busy or failing disk must not fail calls: the times are advisory and the next flush retries.
      for (const [hash, at] of uses) if (!pendingUse.has(hash)) pendingUse.set(hash, at);
    }
  };
  const poll = setInterval(refresh, options.pollIntervalMs ?? 50);
  const flusher = setInterval(() => void flush(), options.flushIntervalMs ?? 5000);
  poll.unref();
  flusher.unref();

  const withPendingUse = (token: StoredToken): StoredToken => {
    const used = pendingUse.get(token.hash);
    return used === undefined || (token.lastUsedAt ?? 0) >= used ? token : { ...token, lastUsedAt: used };
  };

  const insert = async (name: string, role: Role, createdBy: string, secret: string): Promise<StoredToken> => {
    const token = { hash: hashSecret(secret), name: checkTokenName(name), role, createdAt: clock(), createdBy };
    await store.insertToken(token);
    await reload();
    return byHash.get(token.hash) as StoredToken;
  };

  return {
    /**
     * Whether calls need a token: true once any token was ever created in the database. Neither revoking every
     * token nor deleting them opens the server.
     */
    get authEnabled(): boolean {
      refresh();
      return marked;
    },

    /** Whether authentication is on but not a single token exists (they were deleted): then nobody gets in. */
    get noTokenLeft(): boolean {
      refresh();
      return marked && byHash.size === 0;
    },

    /**
     * Looks a secret up and notes its use; `off` while no token was ever created (authentication is off),
     * `no-token` when it is on but every token was deleted, `missing` when one is needed and `secret` is undefined.
     */
    authenticate(secret: string | undefined): Authentication {
      // While authentication is off, the 50 ms poll is enough to notice the first token made elsewhere; once it
      // is on, every call looks, so that a revocation anywhere takes effect on the next call.
      if (!marked) return { status: "off" };
      refresh();
      if (byHash.size === 0) return { status: "no-token" };
      if (secret === undefined) return { status: "missing" };
      const token = byHash.get(hashOf(secret));
      if (!token) return { status: "unknown" };
      if (token.revokedAt !== null) return { status: "revoked", token };
      pendingUse.set(token.hash, clock());
      return { status: "ok", token };
    },

    /** Whether calls need a token, as of the last look (at most 50 ms ago); cheap enough for every call. */
    get authOn(): boolean {
      return marked;
    },

    /** Aborts when the token with this hash is revoked, here or by another process. */
    revocationSignal(hash: string): AbortSignal {
      let controller = revocations.get(hash);
      if (!controller) {
        controller = new AbortController();
        // One signal serves every stream of the token: thousands of watchers are no leak.
        setMaxListeners(0, controller.signal);
        revocations.set(hash, controller);
        const token = byHash.get(hash);
        if (token?.revokedAt !== null) controller.abort(revokedError(token?.name));
      }
      return controller.signal;
    },

    /** Creates a token with a fresh secret, returned only here. */
    async create(name: string, role: string, createdBy: string): Promise<{ token: StoredToken; secret: string }> {
      const secret = TOKEN_PREFIX + randomBytes(32).toString("base64url");
      return { token: await insert(name, checkRole(role), createdBy, secret), secret };
    },

    /**
     * Makes sure an admin token with this operator-chosen secret exists (FLAGWIRE_BOOTSTRAP_TOKEN): creates it
     * the first time, and does nothing afterwards, also when several servers start at once. A revoked one stays
     * revoked.
     */
    async ensureBootstrap(secret: string): Promise<{ created: boolean; token: StoredToken }> {
      const hash = hashSecret(checkSecret(secret, "FLAGWIRE_BOOTSTRAP_TOKEN"));
      const existing = byHash.get(hash);
      if (existing) return { created: false, token: existing };
      try {
        return { created: true, token: await insert(BOOTSTRAP_TOKEN_NAME, "admin", "bootstrap", secret) };
      } catch (err) {
        await reload();
        const raced = byHash.get(hash);
        if (raced) return { created: false, token: raced };
        if (err instanceof DomainError && err.code === "ALREADY_EXISTS") {
          throw new DomainError(
            "FAILED_PRECONDITION",
            `FLAGWIRE_BOOTSTRAP_TOKEN differs from the active token named ${quote(BOOTSTRAP_TOKEN_NAME)}: ` +
              `revoke that token (flagwire token revoke) or unset the variable`,
          );
        }
        throw err;
      }
    },

    /** Every token, oldest first, with last-use times not yet written. */
    list(): StoredToken[] {
      refresh();
      return [...byHash.values()].sort((a, b) => a.createdAt - b.createdAt || a.name.localeCompare(b.name)).map(withPendingUse);
    },

    /** Revokes the active token `name`; NOT_FOUND when there is none. */
    async revoke(name: string, revokedBy: string): Promise<StoredToken> {
      const token = await store.revokeToken(checkTokenName(name), clock(), revokedBy);
      if (!token) throw new DomainError("NOT_FOUND", `no active token is named ${quote(name)}`);
      await reload();
      return withPendingUse(token);
    },

    /** Writes pending last-use times and stops polling; the store is closed by its owner. */
    async close(): Promise<void> {
      clearInterval(poll);
      clearInterval(flusher);
      await flush();
    },
  };
}

/** The token registry as its consumers see it. */
export type TokenRegistry = Awaited<ReturnType<typeof createTokenRegistry>>;

/** What a revoked token's calls and streams end with. */
export function revokedError(name: string | undefined): DomainError {
  return new DomainError("UNAUTHENTICATED", `the API token ${quote(name ?? "?")} was revoked: use another token`);
}
