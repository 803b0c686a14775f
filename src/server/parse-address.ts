/**
 * Splits `host:port` (`[::1]:8080` for IPv6). A bare `:port` is refused rather than guessed: some tools read it
 * as every interface, others as loopback, and which one flagwire picked would decide who can reach it.
 */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(address);
  const port = Number(match?.[3]);
  if (!match || port > 65535) {
    throw new Error(`listen address ${JSON.stringify(address)} is invalid: use host:port, e.g. 127.0.0.1:8080`);
  }
  const host = match[1] ?? match[2] ?? "";
  if (host === "") {
    throw new Error(
      `listen address ${JSON.stringify(address)} has no host: write 127.0.0.1:${port} for this machine only, or 0.0.0.0:${port} for every interface`,
    );
  }
  return { host, port };
}

/** `host:port` again, IPv6 hosts in brackets: the form grpc-js and URLs take. */
export function formatAddress({ host, port }: { host: string; port: number }): string {
  return `${host.includes(":") ? `[${host}]` : host}:${port}`;
}
