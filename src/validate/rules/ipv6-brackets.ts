import { isIPv6 } from 'node:net';
import type { NodeSpec } from '../../model/config.js';
import type { YamlFile } from '../../load/yaml-file.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * An IPv6 node host is written in brackets, `[::1]`, as APISIX expects in upstream nodes
 * (TW3007); a bracketed host must hold a valid IPv6 address.
 */
export const ipv6Brackets: Rule = {
  name: 'ipv6-brackets',
  scope: 'file',
  *check(ctx) {
    const lists: [YamlFile, string, readonly NodeSpec[] | undefined][] = [];
    for (const t of ctx.templates) lists.push([t.file, '/upstream/nodes', t.spec.upstream?.nodes]);
    for (const byService of ctx.repo.overlays.values()) {
      for (const o of byService.values()) {
        lists.push([o.file, '/upstream/nodes', o.spec.upstream?.nodes]);
        lists.push([o.file, '/canary/nodes', o.spec.canary?.nodes]);
      }
    }
    for (const [file, pointer, nodes] of lists) {
      for (const [i, node] of (nodes ?? []).entries()) {
        const host = node.host;
        const bracketed = host.startsWith('[') && host.endsWith(']');
        if (bracketed && !isIPv6(host.slice(1, -1))) {
          yield finding('TW3007', file, `${pointer}/${i}/host`, `\`${host}\` is not an IPv6 address in brackets`, {
            hint: 'Write IPv6 addresses as [2001:db8::1]; host names and IPv4 addresses go without brackets.',
          });
        } else if (!bracketed && host.includes(':')) {
          yield finding('TW3007', file, `${pointer}/${i}/host`, `IPv6 address \`${host}\` must be written in brackets`, {
            hint: isIPv6(host) ? `Write \`host: "[${host}]"\`; the port goes in \`port:\`.` : 'A host holds no port: put the port in `port:`.',
          });
        }
      }
    }
  },
};
