/**
 * Certificates for TLS tests, made with openssl as the original's tls_setup.sh does: CA1 signs
 * peer1 and peer2 (CN = this host's unique id) and peer3 (another CN), CA2 signs peer1 and
 * peer2.
 */
import { readUniqueId } from "../src/transport/unique_id.ts";
import { TestDir } from "./harness.ts";

/** This host's unique id: the CN of the right peers. */
export const UNIQUE_ID: string | undefined = readUniqueId();
/** The CN of peer3, which is not this host's id. */
export const WRONG_ID = "00112233445566778899aabbccddeeff";
/** Whether openssl is there to make certificates. */
export const OPENSSL: boolean = hasOpenssl();

export function hasOpenssl(): boolean {
  try {
    return new Deno.Command("openssl", { args: ["version"], stdout: "null", stderr: "null" })
      .outputSync().success;
  } catch {
    return false;
  }
}

async function openssl(cwd: string, args: string[]): Promise<void> {
  const output = await new Deno.Command("openssl", { args, cwd, stdout: "null", stderr: "piped" })
    .output();
  if (!output.success) {
    throw new Error(`openssl ${args.join(" ")}: ${new TextDecoder().decode(output.stderr)}`);
  }
}

/**
 * The certificates of tls_setup.sh under `dir`: `CAn/cacert.pem`, `CAn/peerM_CAn_cert.pem`,
 * `CAn/peerM_CAn_key.pem`. Peer certificates are X.509 v3, as `openssl ca` makes them.
 */
export async function makeCertificates(dir: TestDir): Promise<void> {
  const peers: Record<string, [string, string][]> = {
    CA1: [["peer1", UNIQUE_ID!], ["peer2", UNIQUE_ID!], ["peer3", WRONG_ID]],
    CA2: [["peer1", UNIQUE_ID!], ["peer2", UNIQUE_ID!]],
  };
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await Deno.writeTextFile(`${dir.path}/v3.ext`, "basicConstraints=CA:FALSE\n");
  for (const [ca, members] of Object.entries(peers)) {
    const cwd = `${dir.path}/${ca}`;
    await Deno.mkdir(cwd);
    await openssl(cwd, [
      "req",
      "-x509",
      ...ec,
      ...["-keyout", "cakey.pem", "-out", "cacert.pem", "-days", "2"],
      ...["-subj", `/O=FLoM Software/OU=R and D/CN=FLoM ${ca}`],
    ]);
    for (const [peer, commonName] of members) {
      const name = `${peer}_${ca}`;
      await openssl(cwd, [
        "req",
        ...ec,
        ...["-keyout", `${name}_key.pem`, "-out", `${name}_req.pem`],
        ...["-subj", `/O=FLoM Software/OU=${peer}/CN=${commonName}`],
      ]);
      await openssl(cwd, [
        "x509",
        "-req",
        ...["-in", `${name}_req.pem`, "-CA", "cacert.pem", "-CAkey", "cakey.pem"],
        ...["-CAcreateserial", "-days", "2", "-extfile", "../v3.ext", "-out", `${name}_cert.pem`],
      ]);
    }
  }
}

/**
 * The certificates of an etcd cluster on 127.0.0.1 under `dir/etcd`: a CA, one certificate for
 * every member (its client URLs' address in subjectAltName, as https clients check it), and
 * one for flom's daemon, the client; `stranger` is a client certificate of another CA.
 */
export async function makeEtcdCertificates(dir: TestDir) {
  const cwd = `${dir.path}/etcd`;
  await Deno.mkdir(cwd);
  const ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];
  await Deno.writeTextFile(
    `${cwd}/ext`,
    "basicConstraints=CA:FALSE\nsubjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  for (const ca of ["ca", "otherca"]) {
    await openssl(cwd, [
      "req",
      "-x509",
      ...ec,
      ...["-keyout", `${ca}-key.pem`, "-out", `${ca}.pem`, "-days", "2"],
      ...["-subj", `/O=flom etcd/CN=etcd ${ca}`],
    ]);
  }
  for (const [name, ca] of [["member", "ca"], ["flom", "ca"], ["stranger", "otherca"]]) {
    await openssl(cwd, [
      "req",
      ...ec,
      ...["-keyout", `${name}-key.pem`, "-out", `${name}.csr`, "-subj", `/O=flom etcd/CN=${name}`],
    ]);
    await openssl(cwd, [
      "x509",
      "-req",
      ...["-in", `${name}.csr`, "-CA", `${ca}.pem`, "-CAkey", `${ca}-key.pem`],
      ...["-CAcreateserial", "-days", "2", "-extfile", "ext", "-out", `${name}.pem`],
    ]);
  }
  const files = (name: string) => ({
    certificate: `${cwd}/${name}.pem`,
    privateKey: `${cwd}/${name}-key.pem`,
  });
  return {
    caCertificate: `${cwd}/ca.pem`,
    member: files("member"),
    flom: files("flom"),
    stranger: files("stranger"),
  };
}

/** A test directory with its certificates. */
export async function certifiedDir(): Promise<TestDir> {
  const dir = new TestDir();
  await makeCertificates(dir);
  return dir;
}

export const certificate = (dir: TestDir, ca: string, peer: string) =>
  `--tls-certificate=${dir.path}/${ca}/${peer}_${ca}_cert.pem`;
export const privateKey = (dir: TestDir, ca: string, peer: string) =>
  `--tls-private-key=${dir.path}/${ca}/${peer}_${ca}_key.pem`;
export const authority = (dir: TestDir, ca: string) =>
  `--tls-ca-certificate=${dir.path}/${ca}/cacert.pem`;

/** The three TLS options of `peer` of `ca`. */
export function peer(dir: TestDir, ca: string, name: string): string[] {
  return [certificate(dir, ca, name), privateKey(dir, ca, name), authority(dir, ca)];
}
