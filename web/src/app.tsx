import { useEffect, useMemo, useState } from "preact/hooks";
import { Code, ConnectError, TokenRole } from "../../src/client/web.js";
import { createApi } from "./api.js";
import { errorMessage } from "./error-message.js";
import { LiveContext, useLiveConnection } from "./live.js";
import { useLocation } from "./router.js";
import { SessionContext, type Session } from "./session-context.js";
import { storedToken, storeToken } from "./session.js";
import { Shell } from "./shell.js";
import { SignIn } from "./sign-in.js";

const ROLES: Record<number, Session["role"]> = { [TokenRole.READER]: "reader", [TokenRole.EDITOR]: "editor", [TokenRole.ADMIN]: "admin" };

type Phase = { kind: "checking" } | { kind: "sign-in"; message: string } | { kind: "unreachable"; message: string } | { kind: "ready"; session: Session };

/**
 * The app: asks the server who the caller is (GetCaller), signs in when authentication is on, then shows the
 * screens with the controls the role allows, all following one live change stream.
 */
export function App() {
  const [token, setToken] = useState(storedToken());
  const [phase, setPhase] = useState<Phase>({ kind: "checking" });
  const [attempt, setAttempt] = useState(0);
  const api = useMemo(() => createApi(token), [token]);
  useEffect(() => {
    let current = true;
    setPhase({ kind: "checking" });
    api.tokens.getCaller({}).then(
      (caller) => {
        if (!current) return;
        const role = ROLES[caller.role] ?? "reader";
        const signOut = () => {
          storeToken(undefined);
          setToken(undefined);
        };
        setPhase({
          kind: "ready",
          session: { api, authenticationEnabled: caller.authenticationEnabled, tokenName: caller.tokenName, role, canEdit: role !== "reader", isAdmin: role === "admin", signOut },
        });
      },
      (error: unknown) => {
        if (!current) return;
        if (ConnectError.from(error).code === Code.Unauthenticated) {
          // A stored token that no longer works is forgotten; the form says why.
          if (token !== undefined) storeToken(undefined);
          setPhase({ kind: "sign-in", message: token === undefined ? "" : errorMessage(error) });
        } else {
          setPhase({ kind: "unreachable", message: errorMessage(error) });
        }
      },
    );
    return () => {
      current = false;
    };
  }, [api, attempt]);

  if (phase.kind === "checking") return <p class="centered">Connecting to flagwire…</p>;
  if (phase.kind === "unreachable") {
    return (
      <div class="centered">
        <p class="error" role="alert">
          The server cannot be reached: {phase.message}
        </p>
        <button type="button" onClick={() => setAttempt((n) => n + 1)}>
          Try again
        </button>
      </div>
    );
  }
  if (phase.kind === "sign-in") {
    return (
      <SignIn
        message={phase.message}
        onSignIn={async (candidate) => {
          // Checked before it is kept: a mistyped token is refused here, with the server's message.
          await createApi(candidate).tokens.getCaller({});
          storeToken(candidate);
          setToken(candidate);
        }}
      />
    );
  }
  return <SignedIn session={phase.session} />;
}

function SignedIn(props: { session: Session }) {
  const live = useLiveConnection(props.session.api);
  const location = useLocation();
  return (
    <SessionContext.Provider value={props.session}>
      <LiveContext.Provider value={live}>
        <Shell path={location.path} query={location.query} />
      </LiveContext.Provider>
    </SessionContext.Provider>
  );
}
