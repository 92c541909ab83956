/**
 * Certificates made for a test, never committed: `selfsigned` with an EC key (quick to make), for
 * the DNS names and the validity a case needs.
 */
import selfsigned from 'selfsigned';

export interface TestCertificate {
  /** PEM certificate. */
  readonly cert: string;
  /** PEM private key (PKCS#8). */
  readonly key: string;
}

export interface CertificateOptions {
  /** subjectAltName DNS entries; none: the certificate has only its common name. */
  readonly names?: readonly string[];
  readonly commonName?: string;
  readonly notBefore?: Date;
  readonly notAfter?: Date;
}

export async function makeCertificate(options: CertificateOptions = {}): Promise<TestCertificate> {
  const names = options.names ?? [];
  const made = await selfsigned.generate([{ name: 'commonName', value: options.commonName ?? names[0] ?? 'test.example.com' }], {
    keyType: 'ec',
    ...(options.notBefore ? { notBeforeDate: options.notBefore } : {}),
    ...(options.notAfter ? { notAfterDate: options.notAfter } : {}),
    // Extensions given replace selfsigned's defaults, which name the common name in a subjectAltName.
    extensions: names.length > 0 ? [{ name: 'subjectAltName', altNames: names.map((value) => ({ type: 2 as const, value })) }] : [{ name: 'basicConstraints', cA: false }],
  });
  return { cert: made.cert, key: made.private };
}

/** A PEM text as a YAML block scalar under `field` at `indent` spaces (`cert: |` and the lines below). */
export function yamlBlock(field: string, pem: string, indent = 0): string {
  const pad = ' '.repeat(indent);
  return `${pad}${field}: |\n${pem.trimEnd().split('\n').map((line) => `${pad}  ${line}`).join('\n')}\n`;
}
