import pg from "pg";

/** Options of {@link createPostgresListener}. */
export interface PostgresListenerOptions {
  connectionString: string;
  channels: readonly string[];
  onNotification(channel: string, payload: string): void;
  /** After every (re)connection: what was committed while nobody listened must be read now. */
  onConnected(): void;
  /** Once per run of failures. */
  onError(err: unknown): void;
  /** First retry delay after a loss; doubled up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * A dedicated LISTEN connection (never from the pool: a pooled connection is shared, and LISTEN does not survive a
 * transaction-pooling proxy). When it is lost it is reconnected with backoff, and each new connection is followed by
 * `onConnected` (a catch-up), since notifications sent meanwhile are gone.
 */
export function createPostgresListener(options: PostgresListenerOptions) {
  const backoffMs = options.backoffMs ?? 100;
  const maxBackoffMs = options.maxBackoffMs ?? 5000;
  let client: pg.Client | undefined;
  let closed = false;
  let failing = false;
  let delay = backoffMs;
  let timer: ReturnType<typeof setTimeout> | undefined;

  const fail = (err: unknown): void => {
    if (!failing) options.onError(err);
    failing = true;
  };
  const retry = (): void => {
    if (closed || timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      void connect().catch(() => undefined);
    }, delay);
    timer.unref();
    delay = Math.min(delay * 2, maxBackoffMs);
  };
  const connect = async (): Promise<void> => {
    const next = new pg.Client({ connectionString: options.connectionString, keepAlive: true, connectionTimeoutMillis: 5000 });
    let lost = false;
    const onLost = (err?: unknown): void => {
      if (lost) return;
      lost = true;
      if (client === next) client = undefined;
      next.removeAllListeners("notification");
      void next.end().catch(() => undefined);
      if (closed) return;
      fail(err ?? new Error("the LISTEN connection ended"));
      retry();
    };
    next.on("error", onLost);
    next.on("end", () => onLost());
    next.on("notification", (message) => options.onNotification(message.channel, message.payload ?? ""));
    try {
      await next.connect();
      await next.query(options.channels.map((channel) => `LISTEN ${pg.escapeIdentifier(channel)}`).join("; "));
    } catch (err) {
      onLost(err);
      throw err;
    }
    if (closed) {
      await next.end().catch(() => undefined);
      return;
    }
    client = next;
    failing = false;
    delay = backoffMs;
    options.onConnected();
  };

  return {
    /** Connects the first time; rejects when that fails (then it keeps retrying in the background). */
    start: connect,
    /** Whether the connection is up right now. */
    get connected(): boolean {
      return client !== undefined;
    },
    /** A round trip on the connection, so that a dead one (e.g. behind an idle proxy) is found and replaced. */
    ping(): void {
      client?.query("SELECT 1").catch(() => undefined);
    },
    /** Drops the connection (a test of the reconnection does the same from the server's side). */
    async close(): Promise<void> {
      closed = true;
      clearTimeout(timer);
      const current = client;
      client = undefined;
      await current?.end().catch(() => undefined);
    },
  };
}
