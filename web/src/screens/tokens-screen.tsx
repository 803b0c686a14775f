import { useCallback, useEffect, useState } from "preact/hooks";
import { TokenRole, type Token } from "../../../gen/flagwire/v1/tokens_pb.js";
import { ErrorNote, Panel } from "../components.js";
import { errorMessage } from "../error-message.js";
import { timeText } from "../format.js";
import { useAction } from "../hooks.js";
import { useSession } from "../session-context.js";

const ROLE_NAMES: Record<number, string> = { [TokenRole.READER]: "reader", [TokenRole.EDITOR]: "editor", [TokenRole.ADMIN]: "admin" };

/** Tokens (admins): create (the secret shown once), list, revoke. Not in the change log: reloaded after each action. */
export function TokensScreen() {
  const { api } = useSession();
  const [tokens, setTokens] = useState<Token[]>([]);
  const [problem, setProblem] = useState("");
  const load = useCallback(() => {
    api.tokens.listTokens({}).then(
      (answer) => {
        setTokens(answer.tokens);
        setProblem("");
      },
      (err: unknown) => setProblem(errorMessage(err)),
    );
  }, [api]);
  useEffect(load, [load]);
  const [name, setName] = useState("");
  const [role, setRole] = useState(String(TokenRole.READER));
  const [secret, setSecret] = useState<{ name: string; secret: string } | undefined>(undefined);
  const create = useAction();
  const revoke = useAction();
  return (
    <>
      <div class="screen-head">
        <h1>Tokens</h1>
      </div>
      <Panel title="Create a token" id="create-token">
        <form
          class="inline-form"
          onSubmit={async (event) => {
            event.preventDefault();
            await create.run(async () => {
              const answer = await api.tokens.createToken({ name: name.trim(), role: Number(role) as TokenRole });
              setSecret({ name: answer.token?.name ?? name, secret: answer.secret });
              setName("");
              load();
            });
          }}
        >
          <div class="field">
            <label for="token-name">Name</label>
            <input id="token-name" value={name} required autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
          </div>
          <div class="field">
            <label for="token-role">Role</label>
            <select id="token-role" value={role} onChange={(e) => setRole(e.currentTarget.value)}>
              <option value={TokenRole.READER}>reader</option>
              <option value={TokenRole.EDITOR}>editor</option>
              <option value={TokenRole.ADMIN}>admin</option>
            </select>
          </div>
          <button type="submit" class="primary" disabled={create.busy}>
            Create
          </button>
        </form>
        <ErrorNote message={create.error} />
        {secret && (
          <div class="secret" role="status">
            <p>
              The secret of <strong>{secret.name}</strong>, shown only now: copy it.
            </p>
            <input readOnly aria-label={`Secret of ${secret.name}`} data-testid="token-secret" value={secret.secret} onFocus={(e) => e.currentTarget.select()} />
          </div>
        )}
      </Panel>
      <Panel title="All tokens" id="token-list">
        <ErrorNote message={problem || revoke.error} />
        <div class="table-wrap">
          <table data-testid="tokens-table">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Created</th>
                <th scope="col">Last used</th>
                <th scope="col">State</th>
              </tr>
            </thead>
            <tbody>
              {tokens.map((token) => (
                <tr key={`${token.name}-${String(token.createTime?.seconds)}`} data-token={token.name}>
                  <td data-label="Name">{token.name}</td>
                  <td data-label="Role">{ROLE_NAMES[token.role] ?? token.role}</td>
                  <td data-label="Created">
                    {timeText(token.createTime)} by {token.createdBy}
                  </td>
                  <td data-label="Last used">{timeText(token.lastUseTime)}</td>
                  <td data-label="State">
                    {token.revokeTime ? (
                      `revoked ${timeText(token.revokeTime)} by ${token.revokedBy}`
                    ) : (
                      <button type="button" class="small danger" aria-label={`Revoke ${token.name}`} onClick={() => void revoke.run(async () => { await api.tokens.revokeToken({ name: token.name }); load(); })}>
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </Panel>
    </>
  );
}
