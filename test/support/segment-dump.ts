import { toJson, type JsonValue } from "@bufbuild/protobuf";
import { SegmentSchema, TargetSchema } from "../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";
import { dumpState, type StateDump } from "./state-dump.js";

/** The state dump plus every segment and its members, for tests of segment writes. */
export interface StateWithSegmentsDump extends StateDump {
  segments: { segment: JsonValue; members: JsonValue[] }[];
}

/**
 * {@link dumpState} plus ListSegments and ListSegmentMembers (every page), so that a test can assert that a
 * refused segment write changed nothing. Features (with their rollouts and segment rules) are in the base dump.
 */
export async function dumpStateWithSegments(client: FlagClient, pageSize = 2): Promise<StateWithSegmentsDump> {
  const base = await dumpState(client, pageSize);
  const segments: StateWithSegmentsDump["segments"] = [];
  let pageToken = "";
  do {
    const page = await client.listSegments({ pageSize, pageToken });
    for (const segment of page.segments) {
      const members: JsonValue[] = [];
      let memberToken = "";
      do {
        const memberPage = await client.listSegmentMembers({ segment: segment.name, pageSize, pageToken: memberToken });
        members.push(...memberPage.members.map((m) => toJson(TargetSchema, m)));
        memberToken = memberPage.nextPageToken;
      } while (memberToken !== "");
      segments.push({ segment: toJson(SegmentSchema, segment), members });
    }
    pageToken = page.nextPageToken;
  } while (pageToken !== "");
  return { ...base, segments };
}
