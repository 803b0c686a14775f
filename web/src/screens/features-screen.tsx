import { useState } from "preact/hooks";
import type { Feature } from "../../../gen/flagwire/v1/flags_pb.js";
import { ErrorNote, Link, OnOff, Pager, Panel, SearchBox, Switch } from "../components.js";
import { rolloutText, timeText } from "../format.js";
import { useAction, useDebounced, usePagedList } from "../hooks.js";
import { featurePath, navigate, replaceQuery } from "../router.js";
import { useSession } from "../session-context.js";

const PAGE_SIZE = 50;

/** Features: searched by the server (name and description), one-click global switch, create. */
export function FeaturesScreen(props: { query: URLSearchParams }) {
  const { api, canEdit } = useSession();
  const [search, setSearch] = useState(props.query.get("q") ?? "");
  const query = useDebounced(search.trim(), 120);
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listFeatures({ query, pageSize: PAGE_SIZE, pageToken });
      return { items: answer.features, nextPageToken: answer.nextPageToken };
    },
    [api, query],
  );
  return (
    <>
      <div class="screen-head">
        <h1>Features</h1>
        <SearchBox
          id="feature-search"
          label="Search features"
          placeholder="name or description"
          value={search}
          onInput={(value) => {
            setSearch(value);
            replaceQuery({ q: value.trim() });
          }}
        />
      </div>
      {canEdit && <CreateFeature />}
      <Panel title={query ? `Features matching “${query}”` : "All features"} id="features">
        <ErrorNote message={list.error} />
        <div class="table-wrap">
          <table class="features" data-testid="features-table" aria-busy={!list.loaded}>
            <thead>
              <tr>
                <th scope="col">Feature</th>
                <th scope="col">Global</th>
                <th scope="col">Rollout</th>
                <th scope="col">Overrides on / off</th>
                <th scope="col">Segment rules</th>
                <th scope="col">Last change</th>
              </tr>
            </thead>
            <tbody>
              {list.items.map((feature) => (
                <FeatureRow key={feature.name} feature={feature} />
              ))}
            </tbody>
          </table>
        </div>
        {list.loaded && list.items.length === 0 && <p class="empty">{query ? "No feature matches." : "No features yet."}</p>}
        <Pager label="Features" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
      </Panel>
    </>
  );
}

function FeatureRow(props: { feature: Feature }) {
  const { api, canEdit } = useSession();
  const { feature } = props;
  const toggle = useAction();
  return (
    <tr data-feature={feature.name}>
      <td data-label="Feature">
        <div>
          <Link href={featurePath(feature.name)} class="feature-name">
            {feature.name}
          </Link>
          {feature.description && <div class="muted">{feature.description}</div>}
        </div>
      </td>
      <td data-label="Global">
        <div>
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
        <ErrorNote message={toggle.error} />
        </div>
      </td>
      <td data-label="Rollout">{rolloutText(feature.rollout)}</td>
      <td data-label="Overrides on / off">
        <span>
          <span class="count on">{feature.overrideOnCount}</span> / <span class="count off">{feature.overrideOffCount}</span>
        </span>
      </td>
      <td data-label="Segment rules">
        <div>
        {feature.segmentRules.length === 0
          ? "—"
          : feature.segmentRules.map((rule) => (
              <span key={rule.segment} class={rule.enabled ? "chip on" : "chip off"}>
                {rule.segment}: {rule.enabled ? "on" : "off"}
              </span>
            ))}
        </div>
      </td>
      <td data-label="Last change">
        <div>
          {feature.lastChangeTime ? timeText(feature.lastChangeTime) : timeText(feature.updateTime)}
          <div class="muted" data-testid="last-actor">
            {feature.lastChangeRevision > 0n ? `r${String(feature.lastChangeRevision)}${feature.lastChangeActor ? ` by ${feature.lastChangeActor}` : ""}` : ""}
          </div>
        </div>
      </td>
    </tr>
  );
}

function CreateFeature() {
  const { api } = useSession();
  const [name, setName] = useState("");
  const [description, setDescription] = useState("");
  const [enabled, setEnabled] = useState(false);
  const create = useAction();
  return (
    <Panel title="Create a feature" id="create-feature">
      <form
        class="inline-form"
        onSubmit={async (event) => {
          event.preventDefault();
          const ok = await create.run(() => api.flags.createFeature({ name: name.trim(), description, enabled }));
          if (ok) {
            const created = name.trim();
            setName("");
            setDescription("");
            navigate(featurePath(created));
          }
        }}
      >
        <div class="field">
          <label for="new-feature-name">Name</label>
          <input id="new-feature-name" value={name} required autocomplete="off" spellcheck={false} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        <div class="field grow">
          <label for="new-feature-description">Description</label>
          <input id="new-feature-description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </div>
        <div class="field check">
          <input id="new-feature-enabled" type="checkbox" checked={enabled} onChange={(e) => setEnabled(e.currentTarget.checked)} />
          <label for="new-feature-enabled">On globally</label>
        </div>
        <button type="submit" class="primary" disabled={create.busy}>
          Create
        </button>
      </form>
      <ErrorNote message={create.error} />
    </Panel>
  );
}
