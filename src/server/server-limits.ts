/**
 * Limits that keep one client from taking the server down; each has a default that suits a service most clients
 * reach over a private network, and each can be changed in `startServer` options.
 */
export interface ServerLimits {
  /** Concurrent streams (WatchChanges, WatchEvaluation) one client address may hold, over both listeners. */
  maxStreamsPerClient: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS on the gRPC port: calls in flight on one connection. */
  maxConcurrentStreamsPerConnection: number;
  /**
   * HTTP port: how long a client may take to send a whole request, headers and body (its headers within at most 10 s);
   * a slower one gets 408 and its connection closed. Streams are not cut: their request ends at once.
   */
  requestTimeoutMs: number;
  /** gRPC port: a connection with no call in flight (or that never speaks HTTP/2) is closed after this long. */
  idleConnectionTimeoutMs: number;
  /**
   * gRPC port: a connection is asked to go away (GOAWAY) after this long, and closed at most 5 minutes later, which
   * bounds a request that never finishes arriving; clients reconnect, and watchers resume by revision.
   */
  maxConnectionAgeMs: number;
}

/** The defaults of {@link ServerLimits}. */
export const DEFAULT_LIMITS: ServerLimits = {
  maxStreamsPerClient: 1000,
  maxConcurrentStreamsPerConnection: 1000,
  requestTimeoutMs: 60_000,
  idleConnectionTimeoutMs: 5 * 60_000,
  maxConnectionAgeMs: 60 * 60_000,
};
