import type { Change } from "../../gen/flagwire/v1/flags_pb.js";
import { describeChange } from "./change-text.js";
import { timeText } from "./format.js";

/** Changes as a table: revision, time, who, what. */
export function ChangeTable(props: { changes: Change[]; testId: string }) {
  return (
    <div class="table-wrap">
      <table data-testid={props.testId}>
        <thead>
          <tr>
            <th scope="col">Revision</th>
            <th scope="col">When</th>
            <th scope="col">Who</th>
            <th scope="col">What</th>
          </tr>
        </thead>
        <tbody>
          {props.changes.map((change) => (
            <tr key={String(change.revision)}>
              <td data-label="Revision">{String(change.revision)}</td>
              <td data-label="When">{timeText(change.time)}</td>
              <td data-label="Who">{change.actor || "—"}</td>
              <td data-label="What">{describeChange(change)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
