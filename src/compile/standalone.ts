import { dump } from 'js-yaml';
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
  // js-yaml's dump is several times faster than a positioned YAML library's stringify, which
  // matters at tens of thousands of objects; no references, no line folding, keys as given.
  const body = dump(doc, { lineWidth: -1, noRefs: true, sortKeys: false });
  return `${body}#END\n`;
}
