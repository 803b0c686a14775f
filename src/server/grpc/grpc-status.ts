import { Metadata, status as GrpcStatus, type StatusObject } from "@grpc/grpc-js";
import { ConnectError } from "@connectrpc/connect";
import type { GrpcHandlerContext } from "./grpc-handler-context.js";

// How what a connect-style handler sets or throws (Headers, ConnectError) goes out through grpc-js.

/** Turns anything thrown by a handler into a grpc-js status. */
export function toGrpcStatus(err: unknown): Partial<StatusObject> {
  const error = ConnectError.from(err);
  return { code: error.code as number as GrpcStatus, details: error.rawMessage, metadata: toMetadata(error.metadata) };
}

/**
 * Headers as connect handlers set them, as grpc-js metadata. A `-bin` header holds base64 (comma-separated when
 * appended twice) in Headers and bytes in metadata, which refuses a string for it.
 */
function toMetadata(headers: Headers): Metadata {
  const metadata = new Metadata();
  headers.forEach((value, key) => {
    if (!key.endsWith("-bin")) metadata.add(key, value);
    else for (const part of value.split(",")) metadata.add(key, Buffer.from(part.trim(), "base64"));
  });
  return metadata;
}

export function trailerOf(context: GrpcHandlerContext): Metadata | undefined {
  const trailer = context.responseTrailerIfSet;
  return trailer && toMetadata(trailer);
}

export function sendHeaderIfSet(call: { sendMetadata(metadata: Metadata): void }, context: GrpcHandlerContext): void {
  const header = context.responseHeaderIfSet;
  if (header) call.sendMetadata(toMetadata(header));
}
