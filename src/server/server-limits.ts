/**
 * Limits that keep one client from taking the server down; each has a default that suits a service most clients
 * reach over a private network, and each can be changed in `startServer` options.
 */
export interface ServerLimits {
  /** Concurrent streams (WatchChanges, WatchEvaluation) one client address may hold, over both listeners. */
  maxStreamsPerClient: number;
  /** Concurrent streams all clients together may hold, over both listeners: client addresses are cheap to vary. */
  maxStreams: number;
  /** Open connections on each listener; one more is closed as soon as it is accepted. */
  maxConnections: number;
  /**
   * How long a watcher cut off for falling behind has to read its last message (the error naming where to
   * resume) before its connection (HTTP/1.1) is closed, so that nothing is kept for a client that never reads.
   */
  cutOffGraceMs: number;
  /** HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS on the gRPC port: calls in flight on one connection. */
  maxConcurrentStreamsPerConnection: number;
  /**
   * How long a client may take to send a whole request. HTTP port: headers and body (its headers within at most
   * 10 s); a slower one gets 408 and its connection closed. gRPC port: a call whose request has not arrived whole
   * by then ends with DEADLINE_EXCEEDED, and a connection that has not spoken HTTP/2 (its SETTINGS) within at most
   * 10 s is closed. Streams are not cut: their request ends at once.
   */
  requestTimeoutMs: number;
  /** gRPC port: a connection with no call in flight is closed after this long. */
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
  maxStreams: 10_000,
  maxConnections: 10_000,
  cutOffGraceMs: 5000,
  maxConcurrentStreamsPerConnection: 1000,
  requestTimeoutMs: 60_000,
  idleConnectionTimeoutMs: 5 * 60_000,
  maxConnectionAgeMs: 60 * 60_000,
};
