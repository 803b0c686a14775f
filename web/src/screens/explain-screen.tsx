import { useState } from "preact/hooks";
import { EvaluationReason, type FeatureEvaluation } from "../../../gen/flagwire/v1/flags_pb.js";
import { ErrorNote, Link, OnOff, Panel } from "../components.js";
import { useAction } from "../hooks.js";
import { useLiveReload } from "../live.js";
import { featurePath, replaceQuery } from "../router.js";
import { useSession } from "../session-context.js";

/** Why a feature has its value for the context: the deciding override, segment or rollout named. */
function reasonText(evaluation: FeatureEvaluation, context: { customerId: string; userId: string }): string {
  switch (evaluation.reason) {
    case EvaluationReason.USER_OVERRIDE:
      return `override of user ${context.userId}`;
    case EvaluationReason.CUSTOMER_OVERRIDE:
      return `override of the customer${context.customerId ? ` ${context.customerId}` : " of the user"}`;
    case EvaluationReason.SEGMENT:
      return `rule of segment ${evaluation.segment}`;
    case EvaluationReason.ROLLOUT:
      return "inside the percentage rollout";
    case EvaluationReason.DEFAULT_NO_STICKINESS_ID:
      return "global value (the rollout needs an id this context lacks)";
    default:
      return "global value";
  }
}

/** Explain: every feature's value and reason for a customer and/or user (EvaluateAll), following changes. */
export function ExplainScreen(props: { query: URLSearchParams }) {
  const { api } = useSession();
  const [customerId, setCustomerId] = useState(props.query.get("customer") ?? "");
  const [userId, setUserId] = useState(props.query.get("user") ?? "");
  const [asked, setAsked] = useState<{ customerId: string; userId: string } | undefined>(undefined);
  const [results, setResults] = useState<FeatureEvaluation[]>([]);
  const explain = useAction();
  const run = (context: { customerId: string; userId: string }) =>
    explain.run(async () => {
      const answer = await api.flags.evaluateAll(context);
      setResults(answer.evaluations);
      setAsked(context);
    });
  useLiveReload(() => asked && void run(asked));
  return (
    <>
      <div class="screen-head">
        <h1>Explain</h1>
      </div>
      <Panel title="Context" id="context">
        <form
          class="inline-form"
          onSubmit={(event) => {
            event.preventDefault();
            const context = { customerId: customerId.trim(), userId: userId.trim() };
            replaceQuery({ customer: context.customerId, user: context.userId });
            void run(context);
          }}
        >
          <div class="field">
            <label for="explain-customer">Customer id</label>
            <input id="explain-customer" value={customerId} autocomplete="off" onInput={(e) => setCustomerId(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="explain-user">User id</label>
            <input id="explain-user" value={userId} autocomplete="off" onInput={(e) => setUserId(e.currentTarget.value)} />
          </div>
          <button type="submit" class="primary" disabled={explain.busy}>
            Explain
          </button>
        </form>
        <p class="muted">Leave the customer empty to use the user's own customer.</p>
        <ErrorNote message={explain.error} />
      </Panel>
      {asked && (
        <Panel title="Every feature for this context" id="explained">
          <div class="table-wrap">
            <table data-testid="explain-table">
              <thead>
                <tr>
                  <th scope="col">Feature</th>
                  <th scope="col">Value</th>
                  <th scope="col">Decided by</th>
                </tr>
              </thead>
              <tbody>
                {results.map((evaluation) => (
                  <tr key={evaluation.feature} data-feature={evaluation.feature}>
                    <td data-label="Feature">
                      <Link href={featurePath(evaluation.feature)}>{evaluation.feature}</Link>
                    </td>
                    <td data-label="Value">
                      <OnOff on={evaluation.enabled} />
                    </td>
                    <td data-label="Decided by">{reasonText(evaluation, asked)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {results.length === 0 && <p class="empty">No features yet.</p>}
        </Panel>
      )}
    </>
  );
}
