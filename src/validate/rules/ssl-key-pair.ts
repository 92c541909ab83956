import { sslPairProblems } from '../../apisix/kinds/ssls.js';
import { joinPointer } from '../../load/yaml-file.js';
import { groupsWithSsls, sslsOf } from '../certificates.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A private key written in an SSL file (a literal, which TW3022 refuses unless tagway.yaml says
 * `literal_secrets: warn`) is the key of its certificate (TW3039): APISIX stores a pair that does
 * not match, and every handshake with it fails. A key or certificate given by reference is
 * checked by sync, once resolved, before anything is written. The key is never in the message.
 */
export const sslKeyPair: Rule = {
  name: 'ssl-key-pair',
  scope: 'repo',
  *check(ctx) {
    for (const group of groupsWithSsls(ctx.repo)) {
      for (const { name, file, spec } of sslsOf(ctx.repo, group)) {
        for (const { field, problem } of sslPairProblems(spec as unknown as Readonly<Record<string, unknown>>)) {
          // A certificate that does not parse is APISIX's to report (TW4001).
          if (field[0] === 'cert' || field[0] === 'certs') continue;
          yield finding('TW3039', file, joinPointer(...field), `${field.join('.')} of SSL certificate ${name} ${problem}`, {
            hint: 'Give the key that belongs to the certificate, by reference (file:PATH, env:NAME), never written in git.',
          });
        }
      }
    }
  },
};
