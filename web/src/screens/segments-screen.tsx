import { useCallback, useEffect, useState } from "preact/hooks";
import { ChangeKind, type GetSegmentResponse } from "../../../gen/flagwire/v1/flags_pb.js";
import { ConfirmByName, ErrorNote, Link, OnOff, Pager, Panel } from "../components.js";
import { errorMessage } from "../error-message.js";
import { plural, splitIds } from "../format.js";
import { useAction, usePagedList } from "../hooks.js";
import { useLiveReload } from "../live.js";
import { featurePath, navigate } from "../router.js";
import { useSession } from "../session-context.js";

/** Segments: list and create; a segment's members (paste many ids at once), rules, rename, delete. */
export function SegmentsScreen(props: { query: URLSearchParams }) {
  const { api, canEdit } = useSession();
  const selected = props.query.get("segment") ?? "";
  const list = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listSegments({ pageSize: 50, pageToken });
      return { items: answer.segments, nextPageToken: answer.nextPageToken };
    },
    [api],
  );
  const [name, setName] = useState("");
  const create = useAction();
  return (
    <>
      <div class="screen-head">
        <h1>Segments</h1>
      </div>
      <div class="two-columns wide-right">
        <Panel title="All segments" id="segments">
          {canEdit && (
            <form
              class="inline-form"
              onSubmit={async (event) => {
                event.preventDefault();
                const created = name.trim();
                if (await create.run(() => api.flags.createSegment({ name: created }))) {
                  setName("");
                  navigate(`/segments?segment=${encodeURIComponent(created)}`);
                }
              }}
            >
              <div class="field">
                <label for="new-segment">New segment name</label>
                <input id="new-segment" value={name} required autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
              </div>
              <button type="submit" class="primary" disabled={create.busy}>
                Create
              </button>
            </form>
          )}
          <ErrorNote message={create.error || list.error} />
          <ul class="list" data-testid="segments-list">
            {list.items.map((segment) => (
              <li key={segment.name} class={segment.name === selected ? "selected" : undefined}>
                <Link href={`/segments?segment=${encodeURIComponent(segment.name)}`} current={segment.name === selected}>
                  {segment.name}
                </Link>
                <span class="muted">
                  {plural(segment.customerCount, "customer")} · {plural(segment.userCount, "user")} · {plural(segment.ruleCount, "rule")}
                </span>
              </li>
            ))}
          </ul>
          {list.loaded && list.items.length === 0 && <p class="empty">No segments yet.</p>}
          <Pager label="Segments" page={list.page} hasNext={list.hasNext} onNext={list.next} onPrevious={list.previous} />
        </Panel>
        {selected ? <SegmentDetails key={selected} name={selected} /> : <p class="empty">Choose a segment to see its members and rules.</p>}
      </div>
    </>
  );
}

function SegmentDetails(props: { name: string }) {
  const { api, canEdit } = useSession();
  const [segment, setSegment] = useState<GetSegmentResponse | undefined>(undefined);
  const [problem, setProblem] = useState("");
  const load = useCallback(() => {
    api.flags.getSegment({ name: props.name }).then(
      (answer) => {
        setSegment(answer);
        setProblem("");
      },
      (err: unknown) => setProblem(errorMessage(err)),
    );
  }, [api, props.name]);
  useEffect(load, [load]);
  useLiveReload(load);
  useLiveReload(
    () => undefined,
    (change) => {
      if (change.kind === ChangeKind.SEGMENT_RENAMED && change.segment === props.name) navigate(`/segments?segment=${encodeURIComponent(change.newName)}`, true);
      return false;
    },
  );
  const members = usePagedList(
    async (pageToken) => {
      const answer = await api.flags.listSegmentMembers({ segment: props.name, pageSize: 25, pageToken });
      return { items: answer.members, nextPageToken: answer.nextPageToken };
    },
    [api, props.name],
  );
  const [pasted, setPasted] = useState("");
  const [kind, setKind] = useState("customer");
  const add = useAction();
  const remove = useAction();
  const [newName, setNewName] = useState("");
  const rename = useAction();
  const drop = useAction();
  const idsOf = (ids: string[]) => (kind === "customer" ? { customerIds: ids, userIds: [] } : { customerIds: [], userIds: ids });
  return (
    <Panel title={`Segment ${props.name}`} id="segment-details">
      <ErrorNote message={problem} />
      {segment?.segment && (
        <p class="muted">
          {plural(segment.segment.customerCount, "customer")} · {plural(segment.segment.userCount, "user")}
        </p>
      )}
      <h3>Rules</h3>
      <ul class="list" data-testid="segment-rules-list">
        {segment?.rules.map((rule) => (
          <li key={rule.feature}>
            <Link href={featurePath(rule.feature)}>{rule.feature}</Link>
            <OnOff on={rule.enabled} />
          </li>
        ))}
      </ul>
      {segment && segment.rules.length === 0 && <p class="empty">No feature has a rule for this segment; add one on a feature's screen.</p>}
      <h3>Members</h3>
      {canEdit && (
        <form
          class="stack"
          onSubmit={async (event) => {
            event.preventDefault();
            if (await add.run(() => api.flags.addSegmentMembers({ segment: props.name, ...idsOf(splitIds(pasted)) }))) setPasted("");
          }}
        >
          <label for="segment-paste">Paste ids to add (separated by spaces, commas or new lines)</label>
          <textarea id="segment-paste" rows={3} value={pasted} onInput={(e) => setPasted(e.currentTarget.value)} />
          <div class="inline-form">
            <div class="field">
              <label for="segment-kind">They are</label>
              <select id="segment-kind" value={kind} onChange={(e) => setKind(e.currentTarget.value)}>
                <option value="customer">customer ids</option>
                <option value="user">user ids</option>
              </select>
            </div>
            <button type="submit" class="primary" disabled={add.busy || splitIds(pasted).length === 0}>
              Add {splitIds(pasted).length || ""} members
            </button>
          </div>
        </form>
      )}
      <ErrorNote message={add.error || remove.error || members.error} />
      <ul class="list" data-testid="segment-members">
        {members.items.map((member) => {
          const isCustomer = member.kind.case === "customerId";
          const id = member.kind.value ?? "";
          return (
            <li key={`${member.kind.case}:${id}`}>
              <span>{id}</span>
              <span class="muted">{isCustomer ? "customer" : "user"}</span>
              {canEdit && (
                <button
                  type="button"
                  class="small"
                  aria-label={`Remove ${isCustomer ? "customer" : "user"} ${id}`}
                  onClick={() => void remove.run(() => api.flags.removeSegmentMembers({ segment: props.name, customerIds: isCustomer ? [id] : [], userIds: isCustomer ? [] : [id] }))}
                >
                  Remove
                </button>
              )}
            </li>
          );
        })}
      </ul>
      {members.loaded && members.items.length === 0 && <p class="empty">No members yet.</p>}
      <Pager label="Members" page={members.page} hasNext={members.hasNext} onNext={members.next} onPrevious={members.previous} />
      {canEdit && (
        <>
          <h3>Rename or delete</h3>
          <form
            class="inline-form"
            onSubmit={async (event) => {
              event.preventDefault();
              const next = newName.trim();
              if (await rename.run(() => api.flags.renameSegment({ name: props.name, newName: next }))) navigate(`/segments?segment=${encodeURIComponent(next)}`, true);
            }}
          >
            <div class="field">
              <label for="segment-rename">New name</label>
              <input id="segment-rename" value={newName} required autocomplete="off" onInput={(e) => setNewName(e.currentTarget.value)} />
            </div>
            <button type="submit" disabled={rename.busy}>
              Rename
            </button>
          </form>
          <ErrorNote message={rename.error} />
          <ConfirmByName
            name={props.name}
            action="Delete segment"
            consequence="Deleting removes the segment, its memberships and every feature's rule for it."
            error={drop.error}
            onConfirm={async () => {
              if (await drop.run(() => api.flags.deleteSegment({ name: props.name }))) navigate("/segments");
            }}
          />
        </>
      )}
    </Panel>
  );
}
