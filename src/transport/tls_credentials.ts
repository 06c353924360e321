import { errorMessage, TlsError } from "../errors.ts";
import { createPrivateKey, X509Certificate } from "node:crypto";
import { RC } from "../protocol/return_codes.ts";
import type { TlsFiles } from "./tls_files.ts";

/** The PEM blocks of the TLS files, checked to be usable together. */
export interface TlsCredentials {
  /** This peer's certificate, then any intermediate certificates of the same file. */
  certificateChain: string[];
  privateKey: string;
  /** Every certificate of the CA file: the authorities a peer's certificate may chain to. */
  caCertificates: string[];
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;
// PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY"), SEC1 ("EC PRIVATE KEY"), ...
const PRIVATE_KEY_BLOCK =
  /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]+?-----END \1PRIVATE KEY-----/;

/**
 * Reads and checks the three files, as the original does before any connection: the same
 * reason codes as its OpenSSL calls, -403 for the certificate, -404 for a key that is unusable
 * or does not belong to the certificate, -401 for the CA file. Like OpenSSL's PEM readers, it
 * takes the blocks it needs from files that hold others too (a key and its certificate in one
 * file). Throws TlsError.
 */
export async function loadTlsCredentials(files: TlsFiles): Promise<TlsCredentials> {
  const certificateChain = await certificatesOf(
    files.certificate,
    RC.SSL_CTX_USE_CERTIFICATE_FILE_ERROR,
  );
  const keyText = await readFile(files.privateKey, RC.SSL_CTX_USE_PRIVATEKEY_FILE_ERROR);
  const privateKey = PRIVATE_KEY_BLOCK.exec(keyText)?.[0];
  const key = privateKey === undefined ? undefined : attempt(() => createPrivateKey(privateKey));
  if (privateKey === undefined || key === undefined) {
    throw new TlsError(
      RC.SSL_CTX_USE_PRIVATEKEY_FILE_ERROR,
      `Cannot use the private key '${files.privateKey}': no unencrypted PEM private key`,
    );
  }
  if (!new X509Certificate(certificateChain[0]!).checkPrivateKey(key)) {
    throw new TlsError(
      RC.SSL_CTX_USE_PRIVATEKEY_FILE_ERROR,
      `Cannot use the private key '${files.privateKey}': it does not belong to the certificate '${files.certificate}'`,
    );
  }
  const caCertificates = await certificatesOf(
    files.caCertificate,
    RC.SSL_CTX_LOAD_VERIFY_LOCATIONS_ERROR,
  );
  return { certificateChain, privateKey, caCertificates };
}

/** The PEM certificates of a file, each one parseable; at least one. */
async function certificatesOf(path: string, rc: number): Promise<string[]> {
  const blocks = (await readFile(path, rc)).match(CERTIFICATE_BLOCK) ?? [];
  if (blocks.length === 0 || blocks.some((block) => !attempt(() => new X509Certificate(block)))) {
    throw new TlsError(rc, `Cannot use the certificate file '${path}': no valid PEM certificate`);
  }
  return blocks;
}

async function readFile(path: string, rc: number): Promise<string> {
  try {
    return await Deno.readTextFile(path);
  } catch (error) {
    throw new TlsError(
      rc,
      `Cannot read '${path}': ${errorMessage(error)}`,
    );
  }
}

/** The value, or undefined when building it throws (the parsers' way to refuse input). */
function attempt<T>(build: () => T): T | undefined {
  try {
    return build();
  } catch {
    return undefined;
  }
}
