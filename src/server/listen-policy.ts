import { isIP } from "node:net";
import { parseAddress } from "./parse-address.js";

/** Whether a listen host only accepts connections from this machine. */
export function isLoopback(host: string): boolean {
  const h = host.toLowerCase();
  if (h === "localhost" || h === "::1") return true;
  const v4 = h.startsWith("::ffff:") ? h.slice(7) : h;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

/**
 * Secure by default: without any API token every call is allowed, so the server may then listen only on
 * loopback, unless the operator says `--insecure`. Throws, naming the address and the ways out.
 */
export function checkListenPolicy(options: { addresses: string[]; authEnabled: boolean; insecure: boolean; dbPath: string }): void {
  if (options.authEnabled || options.insecure) return;
  const exposed = options.addresses.filter((address) => !isLoopback(parseAddress(address).host));
  if (exposed.length === 0) return;
  throw new Error(
    `refusing to listen on ${exposed.join(" and ")} without authentication: no API token exists in ${JSON.stringify(options.dbPath)}, ` +
      `so anyone who can reach the port could change every flag. Create a token first ` +
      `(flagwire token create --db ${options.dbPath} --role admin --name ops), or set FLAGWIRE_BOOTSTRAP_TOKEN, ` +
      `or pass --insecure to serve without authentication`,
  );
}
