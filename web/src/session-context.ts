import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api.js";

/** Who is signed in and what they may do: the UI shows only the controls the role allows. */
export interface Session {
  api: Api;
  authenticationEnabled: boolean;
  tokenName: string;
  role: "reader" | "editor" | "admin";
  /** Editors and admins change flags; readers only look. */
  canEdit: boolean;
  /** Only admins manage tokens. */
  isAdmin: boolean;
  signOut(): void;
}

/** The signed-in session, provided by the app shell. */
export const SessionContext = createContext<Session | undefined>(undefined);

/** The signed-in session; screens render only inside one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (!session) throw new Error("useSession outside the signed-in app");
  return session;
}
