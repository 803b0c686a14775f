import { ScalarType, type DescMethod } from "@bufbuild/protobuf";

// The reader of the Connect JSON fast path (connect-json-fast-path.ts): a request message of string fields only,
// read from the plainest JSON, or undefined so that connect-node reads it (and words any error) as ever.

/**
 * The request's fields by every key protobuf-es reads them by: the JSON name and the proto name. Only a request of
 * plain string fields can take the fast path, whose reader knows no other kind (and makes their defaults).
 */
export function stringFieldsOf(method: DescMethod): ReadonlyMap<string, string> {
  const fields = new Map<string, string>();
  for (const field of method.input.fields) {
    if (field.fieldKind !== "scalar" || field.scalar !== ScalarType.STRING || field.oneof !== undefined) {
      throw new Error(`${method.input.typeName}.${field.name} is not a plain string field: ${method.name} cannot take the JSON fast path`);
    }
    fields.set(field.jsonName, field.localName);
    fields.set(field.name, field.localName);
  }
  return fields;
}

/**
 * The request message of a flat JSON object whose keys are all known string fields, each once, with string values;
 * undefined for anything else: other JSON, null, numbers, nesting, a key twice (protobuf-es refuses those, where
 * `JSON.parse` would keep the last), a field in both spellings, a key such as `__proto__`, JSON that is not valid.
 * Each string is unescaped by `JSON.parse` itself, so values are read exactly as connect-node reads them.
 */
export function readFlatJsonMessage(json: string, fields: ReadonlyMap<string, string>, typeName: string): object | undefined {
  // What protobuf-es `create` makes of a proto3 message with string fields: every field at its default.
  const message: Record<string, string> = { $typeName: typeName };
  for (const name of fields.values()) message[name] = "";
  const seen = new Set<string>();
  let at = skipSpace(json, 0);
  if (json.charCodeAt(at) !== 0x7b) return undefined; // {
  at = skipSpace(json, at + 1);
  if (json.charCodeAt(at) === 0x7d) return skipSpace(json, at + 1) === json.length ? message : undefined; // {}
  for (;;) {
    const keyEnd = stringEnd(json, at);
    if (keyEnd === 0) return undefined;
    const key = unquote(json, at, keyEnd);
    const name = key === undefined ? undefined : fields.get(key);
    if (name === undefined || seen.has(name)) return undefined;
    at = skipSpace(json, Math.abs(keyEnd));
    if (json.charCodeAt(at) !== 0x3a) return undefined; // :
    at = skipSpace(json, at + 1);
    const valueEnd = stringEnd(json, at);
    if (valueEnd === 0) return undefined;
    const value = unquote(json, at, valueEnd);
    if (value === undefined) return undefined;
    seen.add(name);
    message[name] = value;
    at = skipSpace(json, Math.abs(valueEnd));
    const next = json.charCodeAt(at);
    if (next === 0x7d) return skipSpace(json, at + 1) === json.length ? message : undefined; // }
    if (next !== 0x2c) return undefined; // ,
    at = skipSpace(json, at + 1);
  }
}

/** The offset after JSON whitespace from `at`. */
function skipSpace(json: string, at: number): number {
  for (;;) {
    const c = json.charCodeAt(at);
    if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return at;
    at++;
  }
}

/**
 * The offset after the string literal that starts at `at`, negated when the literal holds an escape; 0 when no
 * literal starts there, it does not end, or it holds a control character (which JSON does not allow raw).
 */
function stringEnd(json: string, at: number): number {
  if (json.charCodeAt(at) !== 0x22) return 0; // "
  let escaped = false;
  for (let i = at + 1; i < json.length; i++) {
    const c = json.charCodeAt(i);
    if (c === 0x22) return escaped ? -(i + 1) : i + 1;
    if (c < 0x20) return 0;
    if (c === 0x5c) {
      // A backslash escapes the next character; JSON.parse checks the escape.
      escaped = true;
      i++;
    }
  }
  return 0;
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** The value of the string literal from `at` to `end` (as {@link stringEnd} gave it): unescaped by `JSON.parse`. */
function unquote(json: string, at: number, end: number): string | undefined {
  if (end > 0) return json.slice(at + 1, end - 1);
  try {
    const value = JSON.parse(json.slice(at, -end)) as string;
    // An escaped lone surrogate is no UTF-8 string: protobuf-es refuses it ("invalid UTF8"), in its own words.
    return LONE_SURROGATE.test(value) ? undefined : value;
  } catch {
    return undefined;
  }
}
