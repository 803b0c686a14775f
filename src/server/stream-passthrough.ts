/**
 * Stream wrappers that add no async generator between a handler and the transport. A change fanned out to
 * 10,000 watchers passes every layer once per watcher, and each generator layer costs a few microtasks and
 * some memory per stream; these pass each message straight on with at most one `then`.
 */

/**
 * A stream that opens `source` on the first read (as a generator's body would run) and tells `end`, once,
 * how it finished: `undefined` for a normal end or an early return, else the error, which `end` may replace
 * with the one to throw.
 */
export function observeStream<T>(open: () => AsyncIterable<T>, end: (error: unknown) => unknown): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let iterator: AsyncIterator<T> | undefined;
      let ended = false;
      const finish = (error: unknown): unknown => {
        if (ended) return error;
        ended = true;
        return end(error);
      };
      const onResult = (result: IteratorResult<T>): IteratorResult<T> => {
        if (result.done) finish(undefined);
        return result;
      };
      const onError = (error: unknown): never => {
        throw finish(error);
      };
      return {
        next() {
          if (!iterator) {
            try {
              iterator = open()[Symbol.asyncIterator]();
            } catch (error) {
              return Promise.reject(finish(error));
            }
          }
          return iterator.next().then(onResult, onError);
        },
        return(value?: unknown) {
          finish(undefined);
          const done = { done: true, value } as IteratorResult<T>;
          return iterator?.return ? iterator.return(value).then(() => done, () => done) : Promise.resolve(done);
        },
      };
    },
  };
}

/** `source` with `map` applied to each message, without a generator in between. */
export function mapStream<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncIterable<U> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<U> {
      const iterator = source[Symbol.asyncIterator]();
      const onResult = (result: IteratorResult<T>): IteratorResult<U> =>
        result.done ? (result as IteratorResult<U>) : { done: false, value: map(result.value) };
      return {
        next: () => iterator.next().then(onResult),
        return: (value?: unknown) =>
          iterator.return ? iterator.return(value).then(onResult) : Promise.resolve({ done: true, value } as IteratorResult<U>),
      };
    },
  };
}
