import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/** PEM files of one certificate, as paths and contents. */
export interface TestCertificate {
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
}

/** Two independent CAs, a server certificate (localhost, 127.0.0.1) and a client certificate from each. */
export interface TestPki {
  ca: TestCertificate;
  server: TestCertificate;
  client: TestCertificate;
  otherCa: TestCertificate;
  otherClient: TestCertificate;
}

function openssl(dir: string, args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: ["ignore", "ignore", "pipe"] });
}

function load(dir: string, name: string): TestCertificate {
  const certPath = join(dir, `${name}.pem`);
  const keyPath = join(dir, `${name}.key`);
  return { certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath) };
}

const KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

function createCa(dir: string, name: string): TestCertificate {
  openssl(dir, [
    "req", "-x509", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.pem`, "-days", "2", "-subj", `/CN=${name}`,
    "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return load(dir, name);
}

function createLeaf(dir: string, name: string, ca: string, extensions: string): TestCertificate {
  writeFileSync(join(dir, `${name}.ext`), extensions);
  openssl(dir, ["req", ...KEY, "-keyout", `${name}.key`, "-out", `${name}.csr`, "-subj", `/CN=${name}`]);
  openssl(dir, [
    "x509", "-req", "-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}.key`, "-CAcreateserial",
    "-out", `${name}.pem`, "-days", "2", "-extfile", `${name}.ext`,
  ]);
  return load(dir, name);
}

/** Generates the certificates with Debian's openssl into `dir` (fresh keys every run, nothing checked in). */
export function createTestPki(dir: string): TestPki {
  const ca = createCa(dir, "test-ca");
  const otherCa = createCa(dir, "other-ca");
  return {
    ca,
    otherCa,
    server: createLeaf(dir, "server", "test-ca", "subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"),
    client: createLeaf(dir, "client", "test-ca", "extendedKeyUsage=clientAuth\n"),
    otherClient: createLeaf(dir, "other-client", "other-ca", "extendedKeyUsage=clientAuth\n"),
  };
}
