/**
 * What the engine tells whoever watches it (the server's metrics), without knowing who that is: the engine
 * imports no metrics library. Every hook is optional and must be cheap and must not throw.
 */
export interface EngineObserver {
  /** A group commit became durable: how many writes it held, and how long the store transaction took. */
  committed?(writes: number, seconds: number): void;
  /** A change another process committed was applied here, `lagMs` after its `at` (the replication lag). */
  appliedElsewhere?(lagMs: number): void;
  /** A storage operation failed: a write transaction, or reading others' commits (it is retried). */
  storageFailed?(operation: "write" | "catch_up"): void;
}
