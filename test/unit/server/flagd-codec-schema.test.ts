import type { DescMessage } from "@bufbuild/protobuf";
import { ListValueSchema, StructSchema, ValueSchema } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import * as v1 from "../../../gen/flagd/evaluation/v1/evaluation_pb.js";
import * as v2 from "../../../gen/flagd/evaluation/v2/evaluation_pb.js";
import { flagwireMetadata } from "../../../src/domain/open-feature.js";
import { EVERY_OUTCOME } from "../../support/evaluation-outcomes.js";
import { fieldPin } from "../../support/field-pin.js";

// The gRPC port's ResolveBoolean codec (src/server/grpc/flagd-codec.ts) reads requests field by field, down to
// google.protobuf.Value's kinds, and writes responses from protobuf-es's bytes with the revision in the last 8. A
// field added to these messages would be read as unknown (left to protobuf-es) or break that layout: these pins
// fail first, and point at the codec to update along with the list.

const REQUEST = ["1 flag_key string", "2 context google.protobuf.Struct"];

const PINNED: [DescMessage, string[]][] = [
  [v1.ResolveBooleanRequestSchema, REQUEST],
  [v2.ResolveBooleanRequestSchema, REQUEST],
  [v1.ResolveBooleanResponseSchema, ["1 value bool", "2 reason string", "3 variant string", "4 metadata google.protobuf.Struct"]],
  [v2.ResolveBooleanResponseSchema, ["1 value optional bool", "2 reason string", "3 variant optional string", "4 metadata google.protobuf.Struct"]],
  [StructSchema, ["1 fields map<string, google.protobuf.Value>"]],
  [
    ValueSchema,
    [
      "1 null_value google.protobuf.NullValue (oneof kind)",
      "2 number_value double (oneof kind)",
      "3 string_value string (oneof kind)",
      "4 bool_value bool (oneof kind)",
      "5 struct_value google.protobuf.Struct (oneof kind)",
      "6 list_value google.protobuf.ListValue (oneof kind)",
    ],
  ],
  [ListValueSchema, ["1 values repeated google.protobuf.Value"]],
];

describe("the messages the flagd codec reads and writes", () => {
  it.each(PINNED.map(([schema, fields]) => [schema.typeName, schema, fields] as const))("%s has exactly the pinned fields", (_, schema, fields) => {
    expect(schema.fields.map(fieldPin)).toEqual(fields);
  });

  it("writes the metadata's revision last, as a number: the response's last 8 bytes", () => {
    for (const evaluation of EVERY_OUTCOME) {
      const metadata = flagwireMetadata(evaluation, 7);
      expect(Object.keys(metadata).at(-1)).toBe("revision");
      expect(typeof metadata.revision).toBe("number");
    }
  });
});
