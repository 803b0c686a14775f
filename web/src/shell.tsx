import { Link } from "./components.js";
import { useLive } from "./live.js";
import { useSession } from "./session-context.js";
import { CustomersScreen } from "./screens/customers-screen.js";
import { ExplainScreen } from "./screens/explain-screen.js";
import { FeatureScreen } from "./screens/feature-screen.js";
import { FeaturesScreen } from "./screens/features-screen.js";
import { HistoryScreen } from "./screens/history-screen.js";
import { SegmentsScreen } from "./screens/segments-screen.js";
import { TokensScreen } from "./screens/tokens-screen.js";

const SCREENS = [
  { href: "/features", label: "Features" },
  { href: "/explain", label: "Explain" },
  { href: "/customers", label: "Customers & users" },
  { href: "/segments", label: "Segments" },
  { href: "/history", label: "History" },
  { href: "/tokens", label: "Tokens", admin: true },
];

/** The frame of every screen: navigation, the live state, who is signed in; then the screen of the URL. */
export function Shell(props: { path: string; query: URLSearchParams }) {
  const session = useSession();
  const live = useLive();
  const section = `/${props.path.split("/")[1] || "features"}`;
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <Link href="/features" class="brand">
          flagwire
        </Link>
        <nav aria-label="Screens" class="nav">
          {SCREENS.filter((s) => !s.admin || session.isAdmin).map((s) => (
            <Link key={s.href} href={s.href} current={section === s.href}>
              {s.label}
            </Link>
          ))}
        </nav>
        <div class="who">
          <LiveBadge status={live?.status ?? "connecting"} revision={live?.revision ?? 0} problem={live?.problem ?? ""} />
          <span class="caller" data-testid="caller">
            {session.authenticationEnabled ? `${session.tokenName} · ${session.role}` : "auth off · admin"}
          </span>
          {session.authenticationEnabled && (
            <button type="button" class="link" onClick={session.signOut}>
              Sign out
            </button>
          )}
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Screen path={props.path} query={props.query} />
      </main>
    </div>
  );
}

function LiveBadge(props: { status: string; revision: number; problem: string }) {
  const text = props.status === "live" ? `Live · r${props.revision}` : props.status === "reconnecting" ? "Reconnecting…" : props.status === "stopped" ? "Stopped" : "Connecting…";
  return (
    <span class={`live ${props.status}`} role="status" data-testid="live" data-status={props.status} title={props.problem || undefined}>
      <span class="dot" aria-hidden="true" />
      {text}
    </span>
  );
}

function Screen(props: { path: string; query: URLSearchParams }) {
  const session = useSession();
  const parts = props.path.split("/").filter((p) => p !== "");
  switch (parts[0] ?? "features") {
    case "features":
      return parts[1] ? <FeatureScreen key={parts[1]} name={decodeURIComponent(parts[1])} /> : <FeaturesScreen query={props.query} />;
    case "explain":
      return <ExplainScreen query={props.query} />;
    case "customers":
      return <CustomersScreen query={props.query} />;
    case "segments":
      return <SegmentsScreen query={props.query} />;
    case "history":
      return <HistoryScreen query={props.query} />;
    case "tokens":
      return session.isAdmin ? <TokensScreen /> : <p class="error">Only admins manage tokens.</p>;
    default:
      return <p class="error">There is no screen at {props.path}.</p>;
  }
}
