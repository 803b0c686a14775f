import { ScalarType, type DescField } from "@bufbuild/protobuf";
import { FeatureSet_FieldPresence } from "@bufbuild/protobuf/wkt";

/**
 * A field as the hand codecs' schema pins name it: `number name type`, with `repeated` for lists, `map<k, v>` for
 * maps, `optional` for explicit presence and `(oneof o)` for a oneof member. A field added to a message a hand
 * codec knows changes its pin list, so the pin test fails first and points at the codec to update.
 */
export function fieldPin(field: DescField): string {
  const type =
    field.fieldKind === "scalar"
      ? ScalarType[field.scalar].toLowerCase()
      : field.fieldKind === "enum"
        ? field.enum.typeName
        : field.fieldKind === "message"
          ? field.message.typeName
          : field.fieldKind === "list"
            ? `repeated ${field.listKind === "scalar" ? ScalarType[field.scalar].toLowerCase() : field.listKind === "enum" ? field.enum.typeName : field.message.typeName}`
            : `map<${ScalarType[field.mapKey].toLowerCase()}, ${field.mapKind === "message" ? field.message.typeName : "scalar"}>`;
  const optional = field.fieldKind === "scalar" && field.presence === FeatureSet_FieldPresence.EXPLICIT && !field.oneof ? "optional " : "";
  return `${field.number} ${field.name} ${optional}${type}${field.oneof ? ` (oneof ${field.oneof.name})` : ""}`;
}
