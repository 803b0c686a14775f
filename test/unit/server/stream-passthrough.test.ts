import { describe, expect, it } from "vitest";
import { mapStream, observeStream } from "../../../src/server/stream-passthrough.js";

async function* numbers(count: number, failAt?: number) {
  for (let i = 1; i <= count; i++) {
    if (i === failAt) throw new Error(`boom at ${i}`);
    yield i;
  }
}

async function drain<T>(stream: AsyncIterable<T>, stopAfter = Infinity): Promise<{ values: T[]; error?: unknown }> {
  const values: T[] = [];
  try {
    for await (const value of stream) {
      values.push(value);
      if (values.length >= stopAfter) break;
    }
    return { values };
  } catch (error) {
    return { values, error };
  }
}

describe("observeStream", () => {
  it("opens on the first read, passes every message, and reports a normal end once", async () => {
    const ends: unknown[] = [];
    let opened = false;
    const stream = observeStream(
      () => {
        opened = true;
        return numbers(3);
      },
      (error) => ends.push(error ?? "ok"),
    );
    expect(opened).toBe(false);
    expect(await drain(stream)).toEqual({ values: [1, 2, 3] });
    expect(ends).toEqual(["ok"]);
  });

  it("reports an error once and throws what `end` returns", async () => {
    const ends: unknown[] = [];
    const stream = observeStream(
      () => numbers(5, 3),
      (error) => {
        ends.push((error as Error).message);
        return new Error(`mapped: ${(error as Error).message}`);
      },
    );
    const { values, error } = await drain(stream);
    expect(values).toEqual([1, 2]);
    expect((error as Error).message).toBe("mapped: boom at 3");
    expect(ends).toEqual(["boom at 3"]);
  });

  it("reports an error thrown while opening", async () => {
    const stream = observeStream(
      () => {
        throw new Error("refused");
      },
      (error) => new Error(`mapped: ${(error as Error).message}`),
    );
    expect((await drain(stream)).error).toMatchObject({ message: "mapped: refused" });
  });

  it("reports an early return as a normal end, and returns the source", async () => {
    const ends: unknown[] = [];
    let sourceReturned = false;
    async function* source() {
      try {
        yield* numbers(10);
      } finally {
        sourceReturned = true;
      }
    }
    expect(await drain(observeStream(source, (error) => ends.push(error ?? "ok")), 2)).toEqual({ values: [1, 2] });
    expect(ends).toEqual(["ok"]);
    expect(sourceReturned).toBe(true);
  });
});

describe("mapStream", () => {
  it("maps each message and passes errors and early returns through", async () => {
    expect(await drain(mapStream(numbers(3), (n) => n * 10))).toEqual({ values: [10, 20, 30] });
    expect((await drain(mapStream(numbers(3, 2), (n) => n))).error).toMatchObject({ message: "boom at 2" });
    expect(await drain(mapStream(numbers(10), (n) => -n), 1)).toEqual({ values: [-1] });
  });
});
