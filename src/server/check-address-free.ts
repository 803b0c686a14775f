import { createServer } from "node:net";
import { parseAddress } from "./parse-address.js";

/**
 * Binds `address` for a moment and lets it go, so that a port another program holds is refused (naming the
 * address and the flag that moves it) before the server opens, or creates, its database. Port 0 is always free.
 */
export async function checkAddressFree(address: string, flag: string): Promise<void> {
  const { host, port } = parseAddress(address);
  if (port === 0) return;
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once("error", (err: NodeJS.ErrnoException) => reject(new Error(explain(address, flag, err))));
    probe.listen({ host, port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

function explain(address: string, flag: string, err: NodeJS.ErrnoException): string {
  switch (err.code) {
    case "EADDRINUSE":
      return `cannot listen on ${address}: ${address} is already in use (another flagwire server?): stop it, or choose another address with ${flag}`;
    case "EACCES":
      return `cannot listen on ${address}: ports below 1024 need privileges: choose another address with ${flag}`;
    case "EADDRNOTAVAIL":
    case "ENOTFOUND":
    case "EAI_AGAIN":
      return `cannot listen on ${address}: this machine has no address ${JSON.stringify(parseAddress(address).host)}: choose another with ${flag}`;
    default:
      return `cannot listen on ${address} (${err.message}): choose another address with ${flag}`;
  }
}
