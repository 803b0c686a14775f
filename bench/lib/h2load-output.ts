/** What h2load printed about one run. */
export interface H2loadSummary {
  /** Requests per second over the measured duration. */
  rps: number;
  total: number;
  succeeded: number;
  failed: number;
  errored: number;
  timeout: number;
}

/**
 * Parses h2load's text report (`finished in 5.00s, 12345.60 req/s, ...` and the `requests:` line).
 * Throws when the lines are missing: a silently wrong figure is worse than none.
 */
export function parseH2loadOutput(text: string): H2loadSummary {
  const finished = /finished in [\d.]+m?s, ([\d.]+) req\/s/.exec(text);
  const requests =
    /requests: (\d+) total, \d+ started, \d+ done, (\d+) succeeded, (\d+) failed, (\d+) errored, (\d+) timeout/.exec(text);
  if (!finished || !requests) throw new Error(`h2load output not understood:\n${text}`);
  return {
    rps: Number(finished[1]),
    total: Number(requests[1]),
    succeeded: Number(requests[2]),
    failed: Number(requests[3]),
    errored: Number(requests[4]),
    timeout: Number(requests[5]),
  };
}

/**
 * Reads the latencies from h2load's `--log-file`: one line per request, tab-separated start time (µs since
 * the epoch), HTTP status and the request's duration in µs. Returns the durations in µs of the 2xx responses.
 */
export function parseH2loadLog(text: string): number[] {
  const latencies: number[] = [];
  for (const line of text.split("\n")) {
    if (line === "") continue;
    const [, status, duration] = line.split("\t");
    if (status === undefined || duration === undefined) throw new Error(`h2load log line not understood: ${JSON.stringify(line)}`);
    if (status.startsWith("2")) latencies.push(Number(duration));
  }
  return latencies;
}

/**
 * A run in which not one request finished and none failed: the server did not answer within the run at all
 * (on a shared machine, starved for longer than a short round). The measure retries it rather than abort the suite.
 */
export class StalledRun extends Error {}

/** Throws {@link StalledRun} when nothing finished and nothing failed. */
export function checkNotStalled(summary: H2loadSummary, stdout: string): void {
  if (summary.succeeded === 0 && summary.failed + summary.errored + summary.timeout === 0) throw new StalledRun(`h2load: no request finished:\n${stdout}`);
}

/** Runs `run`, again up to `retries` times while it stalls (logged); any other failure throws at once. */
export async function retryStalled<T>(run: () => Promise<T>, log: (line: string) => void, retries = 2): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof StalledRun) || attempt >= retries) throw err;
      log("  (no request finished in this run: the server was starved; running it again)");
    }
  }
}
