/** Splits `host:port` (`[::1]:8080` for IPv6). */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`listen address ${JSON.stringify(address)} is invalid: use host:port, e.g. 127.0.0.1:8080`);
  }
  return { host: match[1] ?? (match[2] || "127.0.0.1"), port };
}
