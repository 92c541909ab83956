import type { Rule } from './rule.js';
import { finding, relatedAt } from './rule.js';

/**
 * `strip_path_prefix` becomes a `proxy-rewrite` `regex_uri` on each route (TW3013): it needs a
 * `path_prefix`, and it cannot be combined with a `proxy-rewrite` that already rewrites the uri
 * (APISIX would keep only one of them).
 */
export const stripPathPrefix: Rule = {
  name: 'strip-path-prefix',
  scope: 'service',
  *check(ctx) {
    for (const { services } of ctx.resolved) {
      for (const s of services) {
        if (s.stripPathPrefix?.value !== true) continue;
        if (!s.pathPrefix) {
          yield finding('TW3013', s.stripPathPrefix.from.file, s.stripPathPrefix.from.pointer, '`strip_path_prefix` is set but there is no `path_prefix` to strip', {
            severity: 'warning',
            key: true,
            hint: 'Set `path_prefix`, or remove `strip_path_prefix`.',
          });
          continue;
        }
        const spec = s.template.spec;
        for (const [i, route] of spec.routes.entries()) {
          // The route's own plugin wins over its plugin config's, which wins over the service's.
          const own = route.plugins?.['proxy-rewrite'];
          const shared = route.plugin_config !== undefined ? spec.plugin_configs?.[route.plugin_config]?.plugins['proxy-rewrite'] : undefined;
          const effective = own ?? shared ?? spec.plugins?.['proxy-rewrite'];
          if (effective && (effective['uri'] !== undefined || effective['regex_uri'] !== undefined)) {
            const pointer = own ? `/routes/${i}/plugins/proxy-rewrite` : shared ? `/plugin_configs/${route.plugin_config}/plugins/proxy-rewrite` : '/plugins/proxy-rewrite';
            yield finding('TW3013', s.template.file, pointer, `route ${route.name} rewrites its uri with proxy-rewrite, which cannot be combined with strip_path_prefix`, {
              key: true,
              hint: 'Remove `uri`/`regex_uri` from proxy-rewrite and let strip_path_prefix strip the prefix, or turn strip_path_prefix off.',
              related: [relatedAt(s.stripPathPrefix.from.file, s.stripPathPrefix.from.pointer, 'strip_path_prefix set here')],
            });
          }
        }
      }
    }
  },
};
