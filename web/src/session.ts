// The token lives for the browser session only (sessionStorage): closing the tab signs out.
const KEY = "flagwire.token";

/** The token signed in with in this tab, if any. */
export function storedToken(): string | undefined {
  return sessionStorage.getItem(KEY) ?? undefined;
}

/** Keeps `token` for this tab, or forgets it (undefined). */
export function storeToken(token: string | undefined): void {
  if (token === undefined) sessionStorage.removeItem(KEY);
  else sessionStorage.setItem(KEY, token);
}
