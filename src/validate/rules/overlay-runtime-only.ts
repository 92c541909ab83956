import { isTemplateOnlyKey } from '../entries.js';
import { joinPointer } from '../../load/yaml-file.js';
import { templatePath } from '../../load/layout.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * An overlay sets runtime fields only (TW3003). Anything else is part of the service's version:
 * the finding says which file to change instead and that a new version must be published.
 */
export const overlayRuntimeOnly: Rule = {
  name: 'overlay-runtime-only',
  scope: 'file',
  *check(ctx) {
    for (const { service, file } of ctx.repo.rawOverlays) {
      const data = file.data as Record<string, unknown>;
      const places: [string, Record<string, unknown>][] = [['', data]];
      const upstream = data['upstream'];
      if (typeof upstream === 'object' && upstream !== null && !Array.isArray(upstream)) {
        places.push(['/upstream', upstream as Record<string, unknown>]);
      }
      for (const [pointer, object] of places) {
        for (const key of Object.keys(object)) {
          if (!isTemplateOnlyKey(pointer, key)) continue;
          const field = pointer === '' ? key : `upstream.${key}`;
          yield finding('TW3003', file, `${pointer}${joinPointer(key)}`, `\`${field}\` is part of the service template, not runtime configuration`, {
            key: true,
            hint:
              `Change \`${field}\` in ${templatePath(service)} and publish a new version (tagway publish ${service} --version X.Y.Z). ` +
              'An overlay may set only hosts, path_prefix, strip_path_prefix, upstream.nodes, upstream.discovery and canary.',
          });
        }
      }
    }
  },
};
