import { stringify } from 'yaml';
import type { ApisixConfig } from '../model/apisix.js';

/**
 * Renders a gateway configuration as an APISIX standalone file (`conf/apisix.yaml`): the
 * `routes`, `services` and `upstreams` lists, ending with the `#END` line APISIX waits for
 * before it loads the file. Pure and deterministic: objects keep the (id-sorted) order they have.
 */
export function renderStandaloneYaml(config: ApisixConfig): string {
  const doc = {
    routes: config.routes,
    services: config.services,
    upstreams: config.upstreams,
  };
  const body = stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: false });
  return `${body}#END\n`;
}
