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
  return { [Symbol.asyncIterator]: () => new ObservedIterator(open, end) };
}

// Classes rather than closures: an idle stream holds one of each for its whole life, and a closure per method and
// callback (with their shared context) costs several times the object's own size.
class ObservedIterator<T> implements AsyncIterator<T> {
  private iterator: AsyncIterator<T> | undefined;
  private ended = false;
  private readonly onResult = (result: IteratorResult<T>): IteratorResult<T> => {
    if (result.done) this.finish(undefined);
    return result;
  };
  private readonly onError = (error: unknown): never => {
    throw this.finish(error);
  };

  constructor(
    private readonly open: () => AsyncIterable<T>,
    private readonly end: (error: unknown) => unknown,
  ) {}

  private finish(error: unknown): unknown {
    if (this.ended) return error;
    this.ended = true;
    return this.end(error);
  }

  next(): Promise<IteratorResult<T>> {
    if (!this.iterator) {
      try {
        this.iterator = this.open()[Symbol.asyncIterator]();
      } catch (error) {
        return Promise.reject(this.finish(error));
      }
    }
    return this.iterator.next().then(this.onResult, this.onError);
  }

  return(value?: unknown): Promise<IteratorResult<T>> {
    this.finish(undefined);
    const done = { done: true, value } as IteratorResult<T>;
    const iterator = this.iterator;
    return iterator?.return ? iterator.return(value).then(() => done, () => done) : Promise.resolve(done);
  }
}

/** `source` with `map` applied to each message, without a generator in between. */
export function mapStream<T, U>(source: AsyncIterable<T>, map: (value: T) => U): AsyncIterable<U> {
  return { [Symbol.asyncIterator]: () => new MappedIterator(source[Symbol.asyncIterator](), map) };
}

class MappedIterator<T, U> implements AsyncIterator<U> {
  private readonly onResult = (result: IteratorResult<T>): IteratorResult<U> =>
    result.done ? (result as IteratorResult<U>) : { done: false, value: this.map(result.value) };

  constructor(
    private readonly iterator: AsyncIterator<T>,
    private readonly map: (value: T) => U,
  ) {}

  next(): Promise<IteratorResult<U>> {
    return this.iterator.next().then(this.onResult);
  }

  return(value?: unknown): Promise<IteratorResult<U>> {
    return this.iterator.return ? this.iterator.return(value).then(this.onResult) : Promise.resolve({ done: true, value } as IteratorResult<U>);
  }
}
