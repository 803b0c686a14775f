import { useState } from "preact/hooks";
import type { ChangeKind } from "../../../gen/flagwire/v1/flags_pb.js";
import { ChangeTable } from "../change-table.js";
import { KIND_LABELS } from "../change-text.js";
import { ErrorNote, Pager, Panel } from "../components.js";
import { useDebounced, usePagedList } from "../hooks.js";
import { replaceQuery } from "../router.js";
import { useSession } from "../session-context.js";

/** History: the whole change log newest first, filtered by feature, actor and kind, live. */
export function HistoryScreen(props: { query: URLSearchParams }) {
  const { api } = useSession();
  const [feature, setFeature] = useState(props.query.get("feature") ?? "");
  const [actor, setActor] = useState(props.query.get("actor") ?? "");
  const [kind, setKind] = useState(props.query.get("kind") ?? "");
  const filters = useDebounced({ feature: feature.trim(), actor: actor.trim(), kind }, 150);
  const list = usePagedList(
    async (pageToken) => {
      const kinds = filters.kind === "" ? [] : [Number(filters.kind) as ChangeKind];
      const answer = await api.flags.searchChanges({ feature: filters.feature, actor: filters.actor, kinds, pageSize: 50, pageToken });
      return { items: answer.changes, nextPageToken: answer.nextPageToken };
    },
    [api, filters.feature, filters.actor, filters.kind],
  );
  const update = (next: { feature?: string; actor?: string; kind?: string }) => {
    const merged = { feature, actor, kind, ...next };
    replaceQuery({ feature: merged.feature.trim(), actor: merged.actor.trim(), kind: merged.kind });
  };
  return (
    <>
      <div class="screen-head">
        <h1>History</h1>
      </div>
      <Panel title="Filters" id="history-filters">
        <form class="inline-form" onSubmit={(e) => e.preventDefault()}>
          <div class="field">
            <label for="history-feature">Feature</label>
            <input id="history-feature" value={feature} autocomplete="off" onInput={(e) => { setFeature(e.currentTarget.value); update({ feature: e.currentTarget.value }); }} />
          </div>
          <div class="field">
            <label for="history-actor">Actor</label>
            <input id="history-actor" value={actor} autocomplete="off" onInput={(e) => { setActor(e.currentTarget.value); update({ actor: e.currentTarget.value }); }} />
          </div>
          <div class="field">
            <label for="history-kind">Kind</label>
            <select id="history-kind" value={kind} onChange={(e) => { setKind(e.currentTarget.value); update({ kind: e.currentTarget.value }); }}>
              <option value="">any</option>
              {KIND_LABELS.map(([value, label]) => (
                <option key={value} value={value}>
                  {label}
                </option>
              ))}
            </select>
          </div>
        </form>
      </Panel>
      <Panel title="Changes, newest first" id="history">
        <ErrorNote message={list.error} />
        <ChangeTable changes={list.items} testId="history-table" />
        {list.loaded && list.items.length === 0 && <p class="empty">No change matches.</p>}
        <Pager label="History" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
      </Panel>
    </>
  );
}
