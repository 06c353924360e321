/** The PEM files that switch TLS on (`--tls-certificate`, `--tls-private-key`, `--tls-ca-certificate`). */
export interface TlsFiles {
  /** This peer's certificate. */
  certificate: string;
  /** The private key of that certificate. */
  privateKey: string;
  /** The certificate(s) of the authority that signs the peers' certificates. */
  caCertificate: string;
}

/** The TLS fields of the settings. */
export interface TlsSettings {
  tlsCertificate?: string;
  tlsPrivateKey?: string;
  tlsCaCertificate?: string;
}

/**
 * The TLS files of the settings, or undefined for a plain transport. TLS is on only when all
 * three are set; the configuration check refuses one or two of them.
 */
export function tlsFilesOf(settings: TlsSettings): TlsFiles | undefined {
  const { tlsCertificate, tlsPrivateKey, tlsCaCertificate } = settings;
  return tlsCertificate === undefined || tlsPrivateKey === undefined ||
      tlsCaCertificate === undefined
    ? undefined
    : { certificate: tlsCertificate, privateKey: tlsPrivateKey, caCertificate: tlsCaCertificate };
}
