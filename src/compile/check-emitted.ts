import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { fieldValue, setFieldValue } from '../apisix/consumer-secrets.js';
import { validateApisixObject } from '../apisix/validator/index.js';
import { KINDS } from '../apisix/kinds/index.js';
import type { KindDescriptor } from '../apisix/kinds/index.js';
import { syncReferenceOf } from '../secrets/references.js';
import type { EmittedOrigin } from './emit.js';

/**
 * What APISIX is shown in place of a tagway reference (`env:NAME`, `file:PATH`), whose value only
 * sync knows: a reference of the gateway's own, which its schemas and checks let through as they
 * would the value (apisix/secret.lua `is_secret_ref`).
 */
const REFERENCE_STAND_IN = '$env://TAGWAY_REFERENCE';

/** The object as APISIX's checks see it at compile time: each tagway reference in its fields replaced by the stand-in. */
function withStandIns(kind: KindDescriptor, object: ApisixObject): ApisixObject {
  const paths = [...(kind.secretPaths?.(object) ?? []), ...(kind.referencePaths?.(object) ?? [])];
  let copy: ApisixObject | null = null;
  for (const path of paths) {
    const value = fieldValue(object, path);
    if (typeof value !== 'string' || syncReferenceOf(value) === null) continue;
    copy ??= structuredClone(object);
    setFieldValue(copy, path, REFERENCE_STAND_IN);
  }
  return copy ?? object;
}

/**
 * Runs APISIX's own checks on every emitted object (TW4001), so a snapshot never holds an object
 * the Admin API would reject: each kind against its `schema`. The finding points at the template
 * or overlay the object came from. Objects are checked as a gateway that proxies streams too
 * would check them: whether a gateway's `proxy_mode` includes stream is not in the repository,
 * and one without it refuses a stream route when sync writes it.
 */
export function checkEmitted(config: ApisixConfig, origins: readonly EmittedOrigin[], plugins: ReadonlySet<string>): Diagnostic[] {
  const from = new Map(origins.map((o) => [`${o.kind}/${o.id}`, o.from]));
  const out: Diagnostic[] = [];
  for (const kind of KINDS) {
    const schema = kind.schema;
    if (schema === null) continue;
    for (const object of config[kind.name]) {
      // Checked as the PUT to the object's own path: plugin metadata is checked as its plugin's
      // (`{id: plugin}`), a secret manager's id names its manager.
      const result = validateApisixObject(schema, withStandIns(kind, object), { plugins, id: String(object.id), proxyMode: 'http&stream' });
      if (result.valid) continue;
      const origin = from.get(`${kind.name}/${object.id}`);
      for (const error of result.errors) {
        out.push({
          code: 'TW4001',
          severity: 'error',
          message: `APISIX would reject ${schema} ${object.id}: ${error.pointer || '/'} ${error.message}`,
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
