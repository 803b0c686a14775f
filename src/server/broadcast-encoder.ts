import { create, toBinary, type DescMessage, type MessageInitShape, type MessageShape } from "@bufbuild/protobuf";

// The hub hands every watcher the same event object (a change, a heartbeat). Keyed on that object, a broadcast
// is built once per response type, and encoded once, the first time a stream writes it: 10,000 watchers cost one
// message and one encoding, not 10,000. Weak keys: a broadcast lives as long as some queue still holds its event.
interface Broadcast {
  readonly schema: DescMessage;
  bytes: Uint8Array | undefined;
}

const byEvent = new Map<DescMessage, WeakMap<object, object>>();
const byMessage = new WeakMap<object, Broadcast>();

/**
 * The `schema` message for a shared `event`: built by `build` the first time, the very same object after.
 * Broadcasts are never mutated, so that {@link broadcastBytes} can encode one once for every stream.
 *
 * @example
 * yield broadcastMessage(WatchChangesResponseSchema, event, () => ({ change: changeToProto(event.change) }));
 */
export function broadcastMessage<Desc extends DescMessage>(schema: Desc, event: object, build: () => MessageInitShape<Desc>): MessageShape<Desc> {
  let messages = byEvent.get(schema);
  if (!messages) byEvent.set(schema, (messages = new WeakMap()));
  let message = messages.get(event) as MessageShape<Desc> | undefined;
  if (!message) {
    message = create(schema, build());
    messages.set(event, message);
    byMessage.set(message, { schema, bytes: undefined });
  }
  return message;
}

/** The protobuf bytes of a message from {@link broadcastMessage}, encoded on the first call; undefined for any other value. */
export function broadcastBytes(message: unknown): Uint8Array | undefined {
  if (typeof message !== "object" || message === null) return undefined;
  const broadcast = byMessage.get(message);
  if (!broadcast) return undefined;
  return (broadcast.bytes ??= toBinary(broadcast.schema, message as MessageShape<DescMessage>));
}
