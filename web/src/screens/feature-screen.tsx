import { useCallback, useEffect, useState } from "preact/hooks";
import { ChangeKind, CustomerFeatureFilter, OverrideTargetKind, RolloutStickiness, type Change, type Feature } from "../../../gen/flagwire/v1/flags_pb.js";
import { ChangeTable } from "../change-table.js";
import { ConfirmByName, ErrorNote, Link, OnOff, Pager, Panel, SearchBox, Switch } from "../components.js";
import { errorMessage } from "../error-message.js";
import { parsePercentage, rolloutText, timeText } from "../format.js";
import { useAction, useDebounced, usePagedList } from "../hooks.js";
import { useLiveReload } from "../live.js";
import { featurePath, navigate } from "../router.js";
import { useSession } from "../session-context.js";

/** One feature: global switch, rollout, overrides, segment rules, its customers, its history, rename and delete. */
export function FeatureScreen(props: { name: string }) {
  const { api } = useSession();
  const [feature, setFeature] = useState<Feature | undefined>(undefined);
  const [problem, setProblem] = useState("");
  const load = useCallback(() => {
    api.flags.getFeature({ name: props.name }).then(
      (answer) => {
        setFeature(answer.feature);
        setProblem("");
      },
      (err: unknown) => setProblem(errorMessage(err)),
    );
  }, [api, props.name]);
  useEffect(load, [load]);
  useLiveReload(load);
  // Renamed elsewhere: follow it to its new name.
  useLiveReload(
    () => undefined,
    (change) => {
      if (change.kind === ChangeKind.FEATURE_RENAMED && change.feature === props.name) navigate(featurePath(change.newName), true);
      return false;
    },
  );
  return (
    <>
      <p class="crumbs">
        <Link href="/features">← Features</Link>
      </p>
      <div class="screen-head">
        <h1 class="feature-title">{props.name}</h1>
      </div>
      <ErrorNote message={problem} />
      {feature && <FeatureDetails feature={feature} />}
    </>
  );
}

function FeatureDetails(props: { feature: Feature }) {
  const { feature } = props;
  const { api, canEdit } = useSession();
  const toggle = useAction();
  return (
    <div class="feature-grid">
      <Panel title="Global value" id="global">
        {feature.description && <p>{feature.description}</p>}
        <div class="row">
          {canEdit ? (
            <Switch
              checked={feature.enabled}
              label={`${feature.name} globally`}
              disabled={toggle.busy}
              onChange={(enabled) => void toggle.run(() => api.flags.setFeatureEnabled({ name: feature.name, enabled }))}
            />
          ) : (
            <OnOff on={feature.enabled} />
          )}
          <span class="muted">
            created {timeText(feature.createTime)} · changed {timeText(feature.updateTime)}
          </span>
        </div>
        <ErrorNote message={toggle.error} />
      </Panel>
      <RolloutPanel feature={feature} />
      <OverridesPanel feature={feature.name} />
      <SegmentRulesPanel feature={feature} />
      <CustomersPanel feature={feature.name} />
      <FeatureHistory feature={feature.name} />
      {canEdit && <RenameAndDelete feature={feature.name} />}
    </div>
  );
}

function RolloutPanel(props: { feature: Feature }) {
  const { api, canEdit } = useSession();
  const { feature } = props;
  const [percent, setPercent] = useState(feature.rollout ? (feature.rollout.basisPoints / 100).toFixed(2) : "");
  const [stickiness, setStickiness] = useState(feature.rollout?.stickiness === RolloutStickiness.CUSTOMER ? "customer" : "user");
  const save = useAction();
  const [problem, setProblem] = useState("");
  return (
    <Panel title="Rollout" id="rollout">
      <p data-testid="rollout-now">Now: {rolloutText(feature.rollout)}</p>
      {canEdit && (
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            const parsed = parsePercentage(percent);
            if ("problem" in parsed) return setProblem(parsed.problem);
            setProblem("");
            const rollout = { basisPoints: parsed.basisPoints, stickiness: stickiness === "customer" ? RolloutStickiness.CUSTOMER : RolloutStickiness.USER };
            await save.run(() => api.flags.setRollout({ feature: feature.name, rollout }));
          }}
        >
          <div class="field">
            <label for="rollout-percent">Percentage</label>
            <div class="suffixed">
              <input id="rollout-percent" inputMode="decimal" value={percent} placeholder="e.g. 12.50" onInput={(e) => setPercent(e.currentTarget.value)} />
              <span aria-hidden="true">%</span>
            </div>
          </div>
          <div class="field">
            <label for="rollout-stickiness">Sticky by</label>
            <select id="rollout-stickiness" value={stickiness} onChange={(e) => setStickiness(e.currentTarget.value)}>
              <option value="user">user</option>
              <option value="customer">customer</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={save.busy}>
            Set rollout
          </button>
          <button type="button" disabled={save.busy || !feature.rollout} onClick={() => void save.run(() => api.flags.clearRollout({ feature: feature.name }))}>
            Clear rollout
          </button>
        </form>
      )}
      <ErrorNote message={problem || save.error} />
    </Panel>
  );
}

function OverridesPanel(props: { feature: string }) {
  const { api, canEdit } = useSession();
  const [kind, setKind] = useState<"customer" | "user">("customer");
  const [search, setSearch] = useState("");
  const query = useDebounced(search.trim(), 120);
  const list = usePagedList(
    async (pageToken) => {
      const targetKind = kind === "customer" ? OverrideTargetKind.CUSTOMER : OverrideTargetKind.USER;
      const answer = await api.flags.listFeatureOverrides({ feature: props.feature, targetKind, query, pageSize: 20, pageToken });
      return { items: answer.overrides, nextPageToken: answer.nextPageToken };
    },
    [api, props.feature, kind, query],
  );
  const [id, setId] = useState("");
  const [value, setValue] = useState("on");
  const add = useAction();
  const clear = useAction();
  const target = (targetId: string) => ({ kind: kind === "customer" ? { case: "customerId" as const, value: targetId } : { case: "userId" as const, value: targetId } });
  return (
    <Panel title="Overrides" id="overrides">
      <div class="row">
        <div class="segmented" role="group" aria-label="Override targets">
          <button type="button" aria-pressed={kind === "customer"} onClick={() => setKind("customer")}>
            Customers
          </button>
          <button type="button" aria-pressed={kind === "user"} onClick={() => setKind("user")}>
            Users
          </button>
        </div>
        <SearchBox id="override-search" label={`Search ${kind} overrides`} value={search} onInput={setSearch} />
      </div>
      {canEdit && (
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await add.run(() => api.flags.setOverride({ feature: props.feature, target: target(id.trim()), enabled: value === "on" }))) setId("");
          }}
        >
          <div class="field">
            <label for="override-id">{kind === "customer" ? "Customer id" : "User id"}</label>
            <input id="override-id" value={id} required autocomplete="off" onInput={(e) => setId(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="override-value">Value</label>
            <select id="override-value" value={value} onChange={(e) => setValue(e.currentTarget.value)}>
              <option value="on">on</option>
              <option value="off">off</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={add.busy}>
            Set override
          </button>
        </form>
      )}
      <ErrorNote message={add.error || clear.error || list.error} />
      <ul class="list" data-testid="overrides-list">
        {list.items.map((override) => {
          const targetId = override.target?.kind.value ?? "";
          return (
            <li key={targetId}>
              <span>{targetId}</span>
              <OnOff on={override.enabled} />
              {canEdit && (
                <button type="button" class="small" aria-label={`Clear the override for ${kind} ${targetId}`} onClick={() => void clear.run(() => api.flags.clearOverride({ feature: props.feature, target: target(targetId) }))}>
                  Clear
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {list.loaded && list.items.length === 0 && <p class="empty">No {kind} overrides{query ? " match" : ""}.</p>}
      <Pager label="Overrides" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
    </Panel>
  );
}

function SegmentRulesPanel(props: { feature: Feature }) {
  const { api, canEdit } = useSession();
  const { feature } = props;
  const [segments, setSegments] = useState<string[]>([]);
  const [segment, setSegment] = useState("");
  const [value, setValue] = useState("on");
  const action = useAction();
  const loadSegments = useCallback(() => {
    api.flags.listSegments({ pageSize: 1000 }).then((answer) => setSegments(answer.segments.map((s) => s.name)), () => undefined);
  }, [api]);
  useEffect(loadSegments, [loadSegments]);
  useLiveReload(loadSegments, (change) => change.kind >= ChangeKind.SEGMENT_CREATED && change.kind <= ChangeKind.SEGMENT_DELETED);
  return (
    <Panel title="Segment rules" id="segment-rules">
      <ul class="list" data-testid="segment-rules">
        {feature.segmentRules.map((rule) => (
          <li key={rule.segment}>
            <Link href={`/segments?segment=${encodeURIComponent(rule.segment)}`}>{rule.segment}</Link>
            <OnOff on={rule.enabled} />
            {canEdit && (
              <button type="button" class="small" aria-label={`Clear the rule for segment ${rule.segment}`} onClick={() => void action.run(() => api.flags.clearSegmentRule({ feature: feature.name, segment: rule.segment }))}>
                Clear
              </button>
            )}
          </li>
        ))}
      </ul>
      {feature.segmentRules.length === 0 && <p class="empty">No segment rules.</p>}
      {canEdit && (
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            void action.run(() => api.flags.setSegmentRule({ feature: feature.name, segment, enabled: value === "on" }));
          }}
        >
          <div class="field">
            <label for="rule-segment">Segment</label>
            <select id="rule-segment" value={segment} required onChange={(e) => setSegment(e.currentTarget.value)}>
              <option value="">choose…</option>
              {segments.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
          <div class="field">
            <label for="rule-value">Value</label>
            <select id="rule-value" value={value} onChange={(e) => setValue(e.currentTarget.value)}>
              <option value="on">on</option>
              <option value="off">off</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={action.busy}>
            Set rule
          </button>
        </form>
      )}
      <ErrorNote message={action.error} />
    </Panel>
  );
}

const CUSTOMER_LISTS = [
  { filter: CustomerFeatureFilter.ENABLED, label: "Effective on" },
  { filter: CustomerFeatureFilter.EXPLICITLY_ENABLED, label: "Explicitly on" },
  { filter: CustomerFeatureFilter.EXPLICITLY_DISABLED, label: "Explicitly off" },
];

function CustomersPanel(props: { feature: string }) {
  const { api } = useSession();
  const [filter, setFilter] = useState(CustomerFeatureFilter.ENABLED);
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listCustomersWithFeature({ feature: props.feature, filter, pageSize: 20, pageToken });
      return { items: answer.customerIds, nextPageToken: answer.nextPageToken };
    },
    [api, props.feature, filter],
  );
  return (
    <Panel title="Customers" id="feature-customers">
      <div class="segmented" role="group" aria-label="Which customers">
        {CUSTOMER_LISTS.map((l) => (
          <button key={l.filter} type="button" aria-pressed={filter === l.filter} onClick={() => setFilter(l.filter)}>
            {l.label}
          </button>
        ))}
      </div>
      <ErrorNote message={list.error} />
      <ul class="list ids" data-testid="feature-customers">
        {list.items.map((id) => (
          <li key={id}>
            <Link href={`/customers?customer=${encodeURIComponent(id)}`}>{id}</Link>
          </li>
        ))}
      </ul>
      {list.loaded && list.items.length === 0 && <p class="empty">None.</p>}
      <Pager label="Customers" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
    </Panel>
  );
}

function FeatureHistory(props: { feature: string }) {
  const { api } = useSession();
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.searchChanges({ feature: props.feature, pageSize: 10, pageToken });
      return { items: answer.changes, nextPageToken: answer.nextPageToken };
    },
    [api, props.feature],
    (change: Change) => change.feature === props.feature || change.newName === props.feature,
  );
  return (
    <Panel title="History" id="feature-history">
      <ErrorNote message={list.error} />
      <ChangeTable changes={list.items} testId="feature-history" />
      <Pager label="History" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
    </Panel>
  );
}

function RenameAndDelete(props: { feature: string }) {
  const { api } = useSession();
  const [newName, setNewName] = useState("");
  const [typed, setTyped] = useState("");
  const rename = useAction();
  const remove = useAction();
  return (
    <Panel title="Rename or delete" id="danger">
      <form
        class="confirm"
        onSubmit={async (event) => {
          event.preventDefault();
          if (typed !== props.feature) return;
          if (await rename.run(() => api.flags.renameFeature({ name: props.feature, newName: newName.trim() }))) navigate(featurePath(newName.trim()));
        }}
      >
        <div class="inline-form">
          <div class="field">
            <label for="rename-to">New name</label>
            <input id="rename-to" value={newName} required autocomplete="off" onInput={(e) => setNewName(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="rename-confirm">
              Type <code>{props.feature}</code> to confirm
            </label>
            <input id="rename-confirm" value={typed} autocomplete="off" onInput={(e) => setTyped(e.currentTarget.value)} />
          </div>
          <button type="submit" disabled={typed !== props.feature || rename.busy}>
            Rename
          </button>
        </div>
        <ErrorNote message={rename.error} />
      </form>
      <ConfirmByName
        name={props.feature}
        action="Delete feature"
        consequence="Deleting removes the feature, all of its overrides and its segment rules. Its history stays in the change log."
        error={remove.error}
        onConfirm={async () => {
          if (await remove.run(() => api.flags.deleteFeature({ name: props.feature }))) navigate("/features");
        }}
      />
    </Panel>
  );
}
