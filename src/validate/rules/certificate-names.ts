import { certificateNames, groupsWithSsls, isServerSsl, nameCovers, snisOf, sslsOf, writtenCertificates } from '../certificates.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * Each certificate written in a server SSL file is valid for every server name the SSL is
 * presented for (TW3038, a warning): a name its subjectAltName DNS entries (or, without any, its
 * common name) do not cover fails the clients' host name check. A wildcard SNI needs the same
 * wildcard in the certificate.
 */
export const certificateNamesRule: Rule = {
  name: 'certificate-names',
  scope: 'repo',
  *check(ctx) {
    for (const group of groupsWithSsls(ctx.repo)) {
      for (const { name, file, spec } of sslsOf(ctx.repo, group)) {
        if (!isServerSsl(spec)) continue;
        for (const { field, certificate } of writtenCertificates(spec)) {
          const names = certificateNames(certificate);
          for (const { sni, pointer } of snisOf(spec)) {
            if (names.some((n) => nameCovers(n, sni))) continue;
            yield finding('TW3038', file, pointer, `the certificate in ${field} of SSL certificate ${name} is not valid for ${sni}: it names ${names.join(', ') || 'no host'}`, {
              severity: 'warning',
              hint: 'Use a certificate issued for this name, or remove the name from the SSL.',
            });
          }
        }
      }
    }
  },
};
