import { groupObjectPath } from '../../load/layout.js';
import { groupsWithSsls, isServerSsl, snisOf, sslsOf } from '../certificates.js';
import type { Rule } from './rule.js';
import { describeFile, finding, relatedAt } from './rule.js';

/**
 * No two server SSLs of a gateway group are presented for the same server name (TW3035): APISIX
 * would pick one of them for a handshake, which one depending on the order it loaded them.
 * Names are compared ignoring case. Reported at the later file (by name), with the first under
 * `related`.
 */
export const uniqueSnis: Rule = {
  name: 'unique-snis',
  scope: 'repo',
  *check(ctx) {
    for (const group of groupsWithSsls(ctx.repo)) {
      const first = new Map<string, { readonly name: string; readonly at: ReturnType<typeof relatedAt> }>();
      for (const { name, file, spec } of sslsOf(ctx.repo, group)) {
        if (!isServerSsl(spec)) continue;
        for (const { sni, pointer } of snisOf(spec)) {
          const key = sni.toLowerCase();
          const earlier = first.get(key);
          if (earlier === undefined) {
            first.set(key, { name, at: relatedAt(file, pointer, `SSL certificate ${name} (${describeFile(file)})`) });
          } else if (earlier.name !== name) {
            yield finding('TW3035', file, pointer, `SNI ${sni} is also served by SSL certificate ${earlier.name} in group ${group}`, {
              hint: `Serve each name from one SSL certificate of the group: remove it from ${groupObjectPath('ssl', group, name)} or ${groupObjectPath('ssl', group, earlier.name)}.`,
              related: [earlier.at],
            });
          }
        }
      }
    }
  },
};
