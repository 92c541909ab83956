import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { validateApisixObject } from '../apisix/validator/index.js';
import type { ApisixObjectKind } from '../apisix/validator/index.js';
import type { EmittedOrigin } from './emit.js';

const KIND: Readonly<Record<ApisixKind, ApisixObjectKind>> = { upstreams: 'upstream', services: 'service', routes: 'route' };

/**
 * Runs APISIX's own checks on every emitted object (TW4001), so a snapshot never holds an object
 * the Admin API would reject. The finding points at the template or overlay the object came from.
 */
export function checkEmitted(config: ApisixConfig, origins: readonly EmittedOrigin[], plugins: ReadonlySet<string>): Diagnostic[] {
  const from = new Map(origins.map((o) => [`${o.kind}/${o.id}`, o.from]));
  const out: Diagnostic[] = [];
  for (const kind of ['upstreams', 'services', 'routes'] as const) {
    for (const object of config[kind]) {
      const result = validateApisixObject(KIND[kind], object, { plugins });
      if (result.valid) continue;
      const origin = from.get(`${kind}/${object.id}`);
      for (const error of result.errors) {
        out.push({
          code: 'TW4001',
          severity: 'error',
          message: `APISIX would reject ${KIND[kind]} ${object.id}: ${error.pointer || '/'} ${error.message}`,
          // Emitted fields mostly keep the names of the file's fields, so the error's own pointer
          // usually lands on the line at fault; locate() falls back to the nearest existing parent.
          ...(origin ? origin.file.locate(`${origin.pointer}${error.pointer}`) : {}),
          hint: 'Fix the field in the file shown; the object is emitted from it.',
          related: [],
        });
      }
    }
  }
  return out;
}
