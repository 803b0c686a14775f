/**
 * A stream that yields what `preamble` yields, then reads on from the iterable the preamble returns (the live
 * subscription), directly. A generator that ends in `yield* live` stays suspended for the whole life of the stream,
 * holding its frame (every local of the replay) and adding a step to every read; here the preamble is dropped once
 * it is done, and an idle stream holds only this small object and the subscription. The preamble returns undefined
 * to end the stream (its signal aborted during the replay, say).
 */
export function handOver<T>(preamble: AsyncGenerator<T, AsyncIterable<T> | undefined>): AsyncIterableIterator<T> {
  return new HandOver(preamble);
}

const DONE: IteratorReturnResult<undefined> = Object.freeze({ done: true, value: undefined });

class HandOver<T> implements AsyncIterableIterator<T> {
  private live: AsyncIterator<T> | undefined;

  constructor(private preamble: AsyncGenerator<T, AsyncIterable<T> | undefined> | undefined) {}

  next(): Promise<IteratorResult<T>> {
    if (this.live) return this.live.next();
    const preamble = this.preamble;
    if (!preamble) return Promise.resolve(DONE);
    return preamble.next().then((result): IteratorResult<T> | Promise<IteratorResult<T>> => {
      if (!result.done) return result;
      if (this.preamble !== preamble) {
        // Returned while this read was pending: the live part is not wanted any more.
        void result.value?.[Symbol.asyncIterator]().return?.();
        return DONE;
      }
      this.preamble = undefined;
      this.live = result.value?.[Symbol.asyncIterator]();
      return this.live ? this.live.next() : DONE;
    });
  }

  return(): Promise<IteratorResult<T>> {
    const { preamble, live } = this;
    this.preamble = undefined;
    this.live = undefined;
    if (live) return live.return ? live.return().then(() => DONE) : Promise.resolve(DONE);
    return preamble ? preamble.return(undefined).then(() => DONE) : Promise.resolve(DONE);
  }

  [Symbol.asyncIterator](): AsyncIterableIterator<T> {
    return this;
  }
}
