import { InvalidArgumentError } from "commander";

/** Commander parser for a whole number of at least `min`; anything else is a usage error. */
export function wholeNumber(min: number): (value: string) => number {
  return (value) => {
    const n = Number(value);
    if (!/^\d+$/.test(value) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`"${value}" is not a whole number of at least ${min}`);
    return n;
  };
}
