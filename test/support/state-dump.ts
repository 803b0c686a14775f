import { toJson, type JsonValue } from "@bufbuild/protobuf";
import { ChangeSchema, CustomerSchema, FeatureSchema, UserSchema } from "../../gen/flagwire/v1/flags_pb.js";
import type { FlagClient } from "../../src/client/create-flag-client.js";

/** Everything a client can observe of a server's data, as plain JSON so that a diff reads well. */
export interface StateDump {
  features: JsonValue[];
  customers: JsonValue[];
  users: JsonValue[];
  changes: JsonValue[];
  /** The `revision` each list reported; all equal unless a write landed during the dump. */
  revisions: { features: string; customers: string; users: string; changes: string };
}

type Paged<T> = { items: T[]; nextPageToken: string; revision: bigint };

/** Follows `next_page_token` to the end; a small page size so that paging itself is exercised. */
async function allPages<T>(fetchPage: (pageToken: string) => Promise<Paged<T>>): Promise<{ items: T[]; revision: string }> {
  const items: T[] = [];
  let pageToken = "";
  let revision = 0n;
  for (let pages = 0; ; pages++) {
    if (pages > 10_000) throw new Error("dumpState: paging did not end");
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    revision = page.revision;
    if (page.nextPageToken === "") return { items, revision: revision.toString() };
    pageToken = page.nextPageToken;
  }
}

/**
 * Reads the whole observable state (ListFeatures, ListCustomers, ListUsers, ListChanges, every page, and
 * the revisions they report), so a test can assert that a refused request changed nothing. `usage: false` leaves
 * the evaluation counts out too, for a test whose successful evaluations legitimately count.
 *
 * @example
 * const before = await dumpState(client);
 * await expect(client.deleteFeature({ name: "nope" })).rejects.toThrow();
 * expect(await dumpState(client)).toEqual(before);
 */
export async function dumpState(client: FlagClient, pageSize = 2, options: { usage?: boolean } = {}): Promise<StateDump> {
  const features = await allPages(async (pageToken) => {
    const r = await client.listFeatures({ pageSize, pageToken });
    return { items: r.features, nextPageToken: r.nextPageToken, revision: r.revision };
  });
  const customers = await allPages(async (pageToken) => {
    const r = await client.listCustomers({ pageSize, pageToken });
    return { items: r.customers, nextPageToken: r.nextPageToken, revision: r.revision };
  });
  const users = await allPages(async (pageToken) => {
    const r = await client.listUsers({ pageSize, pageToken });
    return { items: r.users, nextPageToken: r.nextPageToken, revision: r.revision };
  });
  const changes = await allPages(async (pageToken) => {
    const r = await client.listChanges({ pageSize, pageToken });
    return { items: r.changes, nextPageToken: r.nextPageToken, revision: r.revision };
  });
  return {
    // Without last_evaluate_time: usage is flushed every few seconds, and a flush moves it to the flush's time though
    // nothing was evaluated. The evaluation counts stay in, so a refused call that counted would still show.
    features: features.items.map((f) =>
      toJson(
        FeatureSchema,
        options.usage === false
          ? { ...f, lastEvaluateTime: undefined, evaluationsToday: 0n, evaluations7d: 0n, evaluations30d: 0n }
          : { ...f, lastEvaluateTime: undefined },
      ),
    ),
    customers: customers.items.map((c) => toJson(CustomerSchema, c)),
    users: users.items.map((u) => toJson(UserSchema, u)),
    changes: changes.items.map((c) => toJson(ChangeSchema, c)),
    revisions: { features: features.revision, customers: customers.revision, users: users.revision, changes: changes.revision },
  };
}
