import { readFileSync } from "node:fs";
import { createSecureContext } from "node:tls";
import { ServerCredentials } from "@grpc/grpc-js";

/** The server's certificate and key (PEM), and optionally the CA that client certificates must chain to. */
export interface ServerTls {
  cert: Buffer;
  key: Buffer;
  /** When set, every client must present a certificate signed by this CA (mutual TLS). */
  clientCa?: Buffer;
}

/** Paths of the PEM files of {@link ServerTls}, as given to `flagwire serve`. */
export interface ServerTlsFiles {
  certPath: string;
  keyPath: string;
  clientCaPath?: string;
}

/**
 * Reads and checks the TLS files before anything listens: a missing file, a key that does not match the
 * certificate, or a file that is not PEM fails here with the file named, not at the first handshake.
 */
export function loadServerTls(files: ServerTlsFiles): ServerTls {
  const read = (path: string, what: string) => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`cannot read the TLS ${what} ${JSON.stringify(path)}: ${(err as Error).message}`);
    }
  };
  const tls: ServerTls = { cert: read(files.certPath, "certificate"), key: read(files.keyPath, "key") };
  if (files.clientCaPath !== undefined) tls.clientCa = read(files.clientCaPath, "client CA");
  try {
    createSecureContext({ cert: tls.cert, key: tls.key, ...(tls.clientCa ? { ca: tls.clientCa } : {}) });
  } catch (err) {
    throw new Error(
      `the TLS files are unusable (certificate ${JSON.stringify(files.certPath)}, key ${JSON.stringify(files.keyPath)}` +
        `${files.clientCaPath ? `, client CA ${JSON.stringify(files.clientCaPath)}` : ""}): ${(err as Error).message}`,
    );
  }
  return tls;
}

/** grpc-js credentials for the gRPC listener: plaintext without `tls`. */
export function grpcServerCredentials(tls: ServerTls | undefined): ServerCredentials {
  if (!tls) return ServerCredentials.createInsecure();
  return ServerCredentials.createSsl(tls.clientCa ?? null, [{ private_key: tls.key, cert_chain: tls.cert }], tls.clientCa !== undefined);
}

/** node:https server options for the HTTP listener. */
export function httpsServerOptions(tls: ServerTls) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.clientCa ? { ca: tls.clientCa, requestCert: true, rejectUnauthorized: true } : {}),
  };
}
