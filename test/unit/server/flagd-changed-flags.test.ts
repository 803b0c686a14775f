import { describe, expect, it } from "vitest";
import type { ChangeData } from "../../../src/domain/change.js";
import { FlagState } from "../../../src/domain/flag-state.js";
import { flagdChangedFlags } from "../../../src/server/services/flagd-changed-flags.js";
import { FLAGD_SEED } from "../../support/flagd-seed.js";

/** Which flags each kind of change names in flagd's configuration_change, applied after FLAGD_SEED. */
describe("flagdChangedFlags", () => {
  const every = { plain: { type: "update" }, targeted: { type: "update" }, segmented: { type: "update" }, rolled: { type: "update" } };
  it.each<{ change: ChangeData; flags: object }>([
    { change: { kind: "feature.created", feature: "new", enabled: true, description: "", salt: "x" }, flags: { new: { type: "write" } } },
    { change: { kind: "feature.renamed", feature: "plain", newName: "plain2" }, flags: { plain: { type: "delete" }, plain2: { type: "write" } } },
    { change: { kind: "feature.deleted", feature: "rolled" }, flags: { rolled: { type: "delete" } } },
    { change: { kind: "override.cleared", feature: "targeted", target: { kind: "user", id: "u1" } }, flags: { targeted: { type: "update" } } },
    { change: { kind: "rollout.cleared", feature: "rolled" }, flags: { rolled: { type: "update" } } },
    { change: { kind: "segment.members_removed", segment: "beta", customerIds: ["c1"], userIds: [] }, flags: { segmented: { type: "update" } } },
    { change: { kind: "segment.renamed", segment: "beta", newName: "gamma" }, flags: { segmented: { type: "update" } } },
    { change: { kind: "segment.created", segment: "empty" }, flags: {} },
    { change: { kind: "customer.created", customerId: "c2" }, flags: {} },
    { change: { kind: "user.created", userId: "u3", customerId: null }, flags: {} },
    { change: { kind: "user.created", userId: "u3", customerId: "c1" }, flags: every },
    { change: { kind: "user.deleted", userId: "u1" }, flags: every },
    { change: { kind: "customer.deleted", customerId: "c1" }, flags: every },
    { change: { kind: "segment.deleted", segment: "beta" }, flags: every },
  ])("$change.kind", ({ change, flags }) => {
    const state = new FlagState();
    [...FLAGD_SEED, change].forEach((data, i) => state.apply({ ...data, revision: i + 1, at: 1000 + i, actor: null }));
    const applied = { ...change, revision: state.revision, at: 0, actor: null };
    const named = flagdChangedFlags(applied, state);
    expect(named).toEqual(flags);
  });
});
