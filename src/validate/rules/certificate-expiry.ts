import { groupsWithSsls, sslsOf, writtenCertificates } from '../certificates.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** The warning threshold when tagway.yaml sets none (`certificates.expiry_warning_days`). */
export const DEFAULT_EXPIRY_WARNING_DAYS = 30;

/**
 * A certificate written in an SSL file has not expired (TW3036, an error: every handshake with it
 * fails) and does not expire within `certificates.expiry_warning_days` of tagway.yaml (TW3037, a
 * warning; default 30 days). Judged at the compile's `now`, which the use cases pass (compile
 * reads no clock); without one, dates are not checked. A certificate given by reference is read
 * by sync only, and not checked here.
 */
export const certificateExpiry: Rule = {
  name: 'certificate-expiry',
  scope: 'repo',
  *check(ctx) {
    const now = ctx.now;
    if (now === undefined) return;
    const days = ctx.repo.config.certificates?.expiry_warning_days ?? DEFAULT_EXPIRY_WARNING_DAYS;
    for (const group of groupsWithSsls(ctx.repo)) {
      for (const { name, file, spec } of sslsOf(ctx.repo, group)) {
        for (const { pointer, field, certificate } of writtenCertificates(spec)) {
          const notAfter = Date.parse(certificate.validTo);
          const date = new Date(notAfter).toISOString().slice(0, 10);
          if (notAfter <= now) {
            yield finding('TW3036', file, pointer, `the certificate in ${field} of SSL certificate ${name} expired on ${date}`, {
              hint: 'Renew the certificate (and its key) and write the new one here.',
            });
          } else if (notAfter - now < days * DAY_MS) {
            const left = Math.floor((notAfter - now) / DAY_MS);
            yield finding('TW3037', file, pointer, `the certificate in ${field} of SSL certificate ${name} expires on ${date}, in ${left} day${left === 1 ? '' : 's'}`, {
              severity: 'warning',
              hint: `Renew it before then. Warned ${days} days ahead (certificates.expiry_warning_days in tagway.yaml).`,
            });
          }
        }
      }
    }
  },
};
