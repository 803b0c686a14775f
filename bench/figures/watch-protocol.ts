/** Messages between figure 5's orchestrator and its subscriber processes (watch-subscriber.ts). */

/** Sent by a subscriber once every stream has received its first message (or ended). */
export interface SubscribersOpened {
  type: "opened";
  /** Streams that received their first message. */
  streams: number;
}

/** Delivery times (epoch ms, fractional) of each change revision, one per stream that received it. */
export interface DeliveryReport {
  type: "report";
  deliveries: Record<string, number[]>;
  /** Streams that ended or failed. */
  ended: number;
  /** CPU time (user + system) the subscriber process has used so far, in ms. */
  cpuMs: number;
  firstError?: string;
}

/** What the orchestrator asks a subscriber. */
export type ToSubscriber = { type: "report" } | { type: "close" };

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes of one machine. */
export function epochMs(): number {
  return performance.timeOrigin + performance.now();
}
