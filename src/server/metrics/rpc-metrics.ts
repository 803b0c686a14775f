import type { Registry } from "prom-client";
import type { CallProtocol, RpcMethod } from "../call-context.js";
import { histogramSamples, registerCollected, type Sample } from "./collected-metric.js";

/** The gRPC status code names, by number: what the `code` label says. */
const CODE_NAMES = [
  "OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS", "PERMISSION_DENIED",
  "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE", "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE",
  "DATA_LOSS", "UNAUTHENTICATED",
] as const;
const CODES = CODE_NAMES.length;
const RESOURCE_EXHAUSTED = 8;

/** The `protocol` label values, by index; `http` is a request refused on the HTTP port before its protocol was known. */
const PROTOCOLS = ["grpc", "connect", "grpc-web", "http"] as const;

/** Latency buckets in seconds: an Evaluate takes microseconds, a durable write milliseconds, a stream minutes. */
export const RPC_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60] as const;

function protocolIndex(protocol: CallProtocol | string): number {
  switch (protocol) {
    case "grpc":
      return 0;
    case "connect":
      return 1;
    case "grpc-web":
      return 2;
    default:
      return 3;
  }
}

/** One (method, protocol, code): plain numbers, updated in place. */
class CallSeries {
  count = 0;
  sum = 0;
  readonly buckets = new Float64Array(RPC_BUCKETS.length);

  observe(seconds: number): void {
    this.count++;
    this.sum += seconds;
    for (let i = 0; i < RPC_BUCKETS.length; i++) {
      if (seconds <= (RPC_BUCKETS[i] as number)) {
        (this.buckets[i] as number)++;
        break;
      }
    }
  }
}

/** What the interceptor records of one method; made once per method ({@link RpcMetrics.forMethod}). */
export class MethodMetrics {
  /** By `protocol * CODES + code`, made on first use. */
  private readonly series: (CallSeries | undefined)[] = new Array(PROTOCOLS.length * CODES);
  private readonly open = new Float64Array(PROTOCOLS.length);
  private readonly cutOff = new Float64Array(PROTOCOLS.length);

  constructor(
    readonly service: string,
    readonly method: string,
  ) {}

  /** One finished call: its protocol, its status code number (0 for OK), and how long it took. */
  observe(protocol: CallProtocol | string, code: number, seconds: number): void {
    const index = protocolIndex(protocol) * CODES + (code >= 0 && code < CODES ? code : 2);
    let series = this.series[index];
    if (series === undefined) this.series[index] = series = new CallSeries();
    series.observe(seconds);
  }

  /** A stream was admitted and opened. */
  streamOpened(protocol: CallProtocol): void {
    (this.open[protocolIndex(protocol)] as number)++;
  }

  /** An opened stream ended with `code`; RESOURCE_EXHAUSTED after opening means the hub cut it off (it fell behind). */
  streamClosed(protocol: CallProtocol, code: number): void {
    const index = protocolIndex(protocol);
    (this.open[index] as number)--;
    if (code === RESOURCE_EXHAUSTED) (this.cutOff[index] as number)++;
  }

  /** @internal Samples of the three metrics, for the collectors. */
  collect(calls: Sample[], durations: Sample[], watchers: Sample[], cutOffs: Sample[], streaming: boolean): void {
    for (let index = 0; index < this.series.length; index++) {
      const series = this.series[index];
      if (!series) continue;
      const labels = {
        service: this.service,
        method: this.method,
        protocol: PROTOCOLS[Math.floor(index / CODES)] as string,
        code: CODE_NAMES[index % CODES] as string,
      };
      calls.push({ labels, value: series.count });
      durations.push(...histogramSamples("flagwire_rpc_duration_seconds", labels, RPC_BUCKETS, series.buckets, series.sum, series.count));
    }
    if (!streaming) return;
    for (let p = 0; p < PROTOCOLS.length - 1; p++) {
      const labels = { service: this.service, kind: this.method, protocol: PROTOCOLS[p] as string };
      watchers.push({ labels, value: this.open[p] as number });
      cutOffs.push({ labels, value: this.cutOff[p] as number });
    }
  }
}

/** A request refused before any handler ran, as the listeners report it. */
export interface RefusedCall {
  /** `package.Service/Method`, or the request path when it named no RPC. */
  method: string;
  /** Its status code number. */
  code: number;
  /** `performance.now()` when it arrived. */
  started: number;
}

/** Call counts and latencies by service, method, protocol and code, and open and cut-off watch streams. */
export interface RpcMetrics {
  /** The recorder of one method; the same one for every descriptor of the same `package.Service/Method`. */
  forMethod(rpc: RpcMethod): MethodMetrics;
  /**
   * Counts a request refused before our handlers (by grpc-js, the wire checks, the HTTP routing): under its RPC
   * when it named one this server serves, else under service and method `unknown` (a path is the client's to
   * choose and must not make a label value).
   */
  refused(listener: "grpc" | "http", call: RefusedCall): void;
}

/**
 * Registers `flagwire_rpc_calls_total`, `flagwire_rpc_duration_seconds`, `flagwire_watchers_open` and
 * `flagwire_watchers_cut_off_total` on `registry`, fed by the interceptor and the listeners.
 */
export function createRpcMetrics(registry: Registry): RpcMetrics {
  const byName = new Map<string, { metrics: MethodMetrics; streaming: boolean }>();
  const unknown = new MethodMetrics("unknown", "unknown");
  const collect = () => {
    const calls: Sample[] = [];
    const durations: Sample[] = [];
    const watchers: Sample[] = [];
    const cutOffs: Sample[] = [];
    for (const { metrics, streaming } of byName.values()) metrics.collect(calls, durations, watchers, cutOffs, streaming);
    unknown.collect(calls, durations, watchers, cutOffs, false);
    return { calls, durations, watchers, cutOffs };
  };
  registerCollected(registry, {
    name: "flagwire_rpc_calls_total",
    help: "Finished RPCs (and requests refused before any handler) by service, method, protocol and status code.",
    type: "counter",
    samples: () => collect().calls,
  });
  registerCollected(registry, {
    name: "flagwire_rpc_duration_seconds",
    help: "How long RPCs took, from arrival to their status (for streams: their whole life), in seconds.",
    type: "histogram",
    samples: () => collect().durations,
  });
  registerCollected(registry, {
    name: "flagwire_watchers_open",
    help: "Open streaming calls (watchers) by service, kind (the streaming method) and protocol.",
    type: "gauge",
    samples: () => collect().watchers,
  });
  registerCollected(registry, {
    name: "flagwire_watchers_cut_off_total",
    help: "Watchers ended with RESOURCE_EXHAUSTED because they fell behind, by service, kind and protocol.",
    type: "counter",
    samples: () => collect().cutOffs,
  });
  return {
    forMethod(rpc) {
      let entry = byName.get(rpc.name);
      if (!entry) {
        entry = { metrics: new MethodMetrics(rpc.service, rpc.method), streaming: rpc.kind === "server_streaming" || rpc.kind === "bidi_streaming" };
        byName.set(rpc.name, entry);
      }
      return entry.metrics;
    },
    refused(listener, call) {
      const metrics = byName.get(call.method)?.metrics ?? unknown;
      metrics.observe(listener, call.code, (performance.now() - call.started) / 1000);
    },
  };
}
