import type { YamlFile } from '../../load/yaml-file.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * An upstream has static `nodes` or service `discovery`, never both (TW3005): in the template's
 * defaults, in an overlay, and in a canary. APISIX would silently prefer one of them.
 */
export const nodesXorDiscovery: Rule = {
  name: 'nodes-xor-discovery',
  scope: 'file',
  *check(ctx) {
    const places: [YamlFile, string, { nodes?: unknown; discovery?: unknown } | undefined][] = [];
    for (const t of ctx.templates) places.push([t.file, '/upstream', t.spec.upstream]);
    for (const byService of ctx.repo.overlays.values()) {
      for (const o of byService.values()) {
        places.push([o.file, '/upstream', o.spec.upstream]);
        places.push([o.file, '/canary', o.spec.canary]);
      }
    }
    for (const [file, pointer, upstream] of places) {
      if (upstream?.nodes !== undefined && upstream.discovery !== undefined) {
        yield finding('TW3005', file, `${pointer}/discovery`, 'an upstream has either `nodes` or `discovery`, not both', {
          key: true,
          hint: 'Keep `nodes` for static addresses, or `discovery` to let the gateway find them; remove the other.',
        });
      }
    }
  },
};
