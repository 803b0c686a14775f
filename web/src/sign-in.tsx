import { useState } from "preact/hooks";
import { ErrorNote } from "./components.js";
import { errorMessage } from "./error-message.js";

/** The sign-in form: an API token, kept for this browser tab only. */
export function SignIn(props: { message: string; onSignIn: (token: string) => Promise<void> }) {
  const [token, setToken] = useState("");
  const [error, setError] = useState(props.message);
  const [busy, setBusy] = useState(false);
  return (
    <main class="sign-in">
      <form
        class="card"
        onSubmit={async (event) => {
          event.preventDefault();
          setBusy(true);
          setError("");
          try {
            await props.onSignIn(token.trim());
          } catch (err) {
            setError(errorMessage(err));
          } finally {
            setBusy(false);
          }
        }}
      >
        <h1 class="brand">flagwire</h1>
        <p>This server needs an API token. It is kept for this browser tab only, and forgotten when you close it.</p>
        <label for="token">API token</label>
        <input id="token" type="password" autocomplete="off" value={token} onInput={(e) => setToken(e.currentTarget.value)} required />
        <button type="submit" class="primary" disabled={busy || token.trim() === ""}>
          Sign in
        </button>
        <ErrorNote message={error} />
      </form>
    </main>
  );
}
