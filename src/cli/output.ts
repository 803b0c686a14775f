import { toJson, type DescMessage, type JsonValue, type MessageShape } from "@bufbuild/protobuf";

/** What a command prints: a JSON document for `--json`, text for people otherwise. */
export interface CommandOutput {
  json: JsonValue;
  text: string;
}

/**
 * A response message as the Connect JSON on the HTTP port shows it: int64 as strings, enums by name,
 * defaults included, so that scripts see `"enabled": false` rather than a missing field.
 */
export function messageJson<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
  return toJson(schema, message, { alwaysEmitImplicit: true });
}

/** Writes one line to stdout. */
export function printLine(line: string): void {
  process.stdout.write(`${line}\n`);
}

/** Writes one line to stderr: progress and notes that are not the command's result. */
export function printNote(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** `on` or `off`, the way every command shows a flag value. */
export function onOff(enabled: boolean): string {
  return enabled ? "on" : "off";
}

/** `CUSTOMER_OVERRIDE` -> `customer override`: enum value names for people. */
export function enumWords(name: string | undefined): string {
  return (name ?? "unknown").toLowerCase().replaceAll("_", " ");
}

/** Pads each column to its widest cell, two spaces apart; trailing blanks are trimmed. */
export function alignColumns(rows: readonly (readonly string[])[], minWidths: readonly number[] = []): string[] {
  const widths: number[] = [...minWidths];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
}

/** One item per line, or a sentence saying there are none. */
export function listText(items: readonly string[], whenEmpty: string): string {
  return items.length > 0 ? items.join("\n") : whenEmpty;
}
