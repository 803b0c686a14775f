/**
 * The `authorization` values of a request joined with ", " when it carries the header more than once; undefined
 * otherwise. Node's HTTP/1.1 and HTTP/2 servers keep only the first of a repeated `authorization` in the headers
 * object that connect and grpc-js read, silently; both listeners put the joined value there instead, so that the
 * call guard sees the repeats and refuses the ambiguity (no token contains a comma).
 *
 * @example
 * const joined = repeatedAuthorization(req.rawHeaders);
 * if (joined !== undefined) req.headers.authorization = joined;
 */
export function repeatedAuthorization(rawHeaders: readonly string[]): string | undefined {
  let values: string[] | undefined;
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    // The length first: this runs for every call, and almost every header is another one.
    if (name.length === 13 && name.toLowerCase() === "authorization") (values ??= []).push(rawHeaders[i + 1] as string);
  }
  return values !== undefined && values.length > 1 ? values.join(", ") : undefined;
}
