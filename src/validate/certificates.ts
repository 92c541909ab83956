/**
 * What the SSL rules read of a gateway group's certificates (gateway-groups/<group>/ssls/): the
 * server names each SSL serves, its certificates written in the file (a certificate given by
 * reference is read by sync only), and how names cover one another. Pure; certificates are read
 * with node's `X509Certificate` (src/apisix/validator/pem.ts).
 */
import type { X509Certificate } from 'node:crypto';
import { fieldValue } from '../apisix/consumer-secrets.js';
import { sslPairs } from '../apisix/kinds/ssls.js';
import { parseCertificateChain } from '../apisix/validator/pem.js';
import { joinPointer } from '../load/yaml-file.js';
import type { SslSpec } from '../model/config.js';
import { cmp } from '../model/diagnostic.js';
import type { CheckedRepo, GroupObjectEntry } from './entries.js';

/** A certificate written in an SSL file, where it is, and its leaf certificate. */
export interface WrittenCertificate {
  readonly pointer: string;
  /** `cert`, `certs.1`: how messages name the field. */
  readonly field: string;
  readonly certificate: X509Certificate;
}

/** A gateway group's SSL files, by file name (code-point order). */
export function sslsOf(repo: CheckedRepo, group: string): GroupObjectEntry<SslSpec>[] {
  const entries = repo.groupObjects.ssl.get(group);
  return entries ? [...entries.values()].sort((a, b) => cmp(a.name, b.name)) : [];
}

/** The gateway groups that have SSL files, in code-point order. */
export function groupsWithSsls(repo: CheckedRepo): string[] {
  return [...repo.groupObjects.ssl.keys()].sort(cmp);
}

/** The server names an SSL is presented for, with the pointer of each (`sni` or `snis`). */
export function snisOf(spec: SslSpec): { readonly sni: string; readonly pointer: string }[] {
  if (spec.snis !== undefined) return spec.snis.map((sni, i) => ({ sni, pointer: `/snis/${i}` }));
  return spec.sni !== undefined ? [{ sni: spec.sni, pointer: '/sni' }] : [];
}

/** Whether an SSL is presented to clients (`type: server`, the default) rather than to upstreams. */
export function isServerSsl(spec: SslSpec): boolean {
  return spec.type !== 'client';
}

const written = new WeakMap<SslSpec, readonly WrittenCertificate[]>();

/**
 * The certificates (`cert`, each of `certs`) written in the file as PEM that parse; references
 * and text that is no certificate (which APISIX's checks report) are left out.
 */
export function writtenCertificates(spec: SslSpec): readonly WrittenCertificate[] {
  let found = written.get(spec);
  if (found === undefined) {
    const obj = spec as unknown as Readonly<Record<string, unknown>>;
    found = sslPairs(obj).flatMap(({ cert: path }) => {
      const value = fieldValue(obj, path);
      if (typeof value !== 'string' || !value.includes('-----BEGIN CERTIFICATE-----')) return [];
      const parsed = parseCertificateChain(value);
      return parsed.ok ? [{ pointer: joinPointer(...path), field: path.join('.'), certificate: parsed.value }] : [];
    });
    written.set(spec, found);
  }
  return found;
}

/**
 * Whether a name `pattern` (a certificate's name or an SNI, maybe `*.example.com`) covers `name`
 * (a host or an SNI): equal ignoring case, or a wildcard standing for exactly one leftmost label.
 * A wildcard name is covered only by the same wildcard.
 */
export function nameCovers(pattern: string, name: string): boolean {
  const p = pattern.toLowerCase();
  const n = name.toLowerCase();
  if (p === n) return true;
  if (!p.startsWith('*.') || n.startsWith('*')) return false;
  const dot = n.indexOf('.');
  return dot > 0 && n.slice(dot) === p.slice(1);
}

/**
 * The DNS names a certificate is valid for: its subjectAltName DNS entries, or, when it has none,
 * its subject's common name (as TLS clients fall back to it).
 */
export function certificateNames(certificate: X509Certificate): string[] {
  const san = certificate.subjectAltName;
  const dns = san === undefined ? [] : san.split(/,\s*/).filter((e) => e.startsWith('DNS:')).map((e) => e.slice('DNS:'.length));
  if (dns.length > 0) return dns;
  const cn = /(?:^|\n)CN=([^\n]*)/.exec(certificate.subject);
  return cn ? [cn[1]!] : [];
}
