/**
 * Reads an async iterable (a server stream) one message at a time, each with a bounded wait, and keeps
 * how it ended. The stream is pulled eagerly into a buffer, so a test can look at what has arrived.
 */
export function readStream<T>(stream: AsyncIterable<T>) {
  const buffered: T[] = [];
  let waiter: (() => void) | undefined;
  let ended: { error?: unknown } | undefined;
  void (async () => {
    try {
      for await (const message of stream) {
        buffered.push(message);
        waiter?.();
      }
      ended = {};
    } catch (error) {
      ended = { error };
    }
    waiter?.();
  })();
  const wait = (timeoutMs: number, what: string) =>
    new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no ${what} within ${timeoutMs} ms`)), timeoutMs);
      waiter = () => {
        clearTimeout(timer);
        waiter = undefined;
        resolve();
      };
    });
  const reader = {
    buffered,
    /** How the stream ended (`error` unset for a normal end), or undefined while it is open. */
    get ended() {
      return ended;
    },
    /** The next message; throws when the stream ended or nothing came within `timeoutMs`. */
    async next(timeoutMs = 5_000): Promise<T> {
      while (buffered.length === 0) {
        if (ended) throw ended.error ?? new Error("the stream ended");
        await wait(timeoutMs, "stream message");
      }
      return buffered.shift() as T;
    },
    /** Messages up to and including the first one that satisfies `last`. */
    async until(last: (message: T) => boolean, timeoutMs = 5_000): Promise<T[]> {
      const messages: T[] = [];
      for (;;) {
        const message = await reader.next(timeoutMs);
        messages.push(message);
        if (last(message)) return messages;
      }
    },
    /** Waits for the stream to end and returns its error (undefined for a normal end). */
    async end(timeoutMs = 5_000): Promise<unknown> {
      while (!ended) await wait(timeoutMs, "end of stream");
      return ended.error;
    },
  };
  return reader;
}
