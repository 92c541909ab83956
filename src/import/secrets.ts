/**
 * Takes the secrets out of what an import writes: each literal becomes a reference and a
 * `SecretVariable` to set, and its value stays in memory only (for `import --check`), never in a
 * file or a message.
 *
 * - A secret field of a kind that declares `secretPaths` (a consumer's credentials, an SSL's
 *   keys, a secret manager's token, plugin metadata's encrypted fields) becomes tagway's
 *   `env:NAME`, which `tagway sync` resolves: the gateway then holds the same value as before.
 * - A secret in the plugins of any other object (a route's, a service's, a global rule's …: a
 *   field APISIX encrypts, or named like a password, token or key) becomes APISIX's
 *   `$env://NAME`, which the gateway resolves from its own environment.
 * References already there (`$env://`, `$secret://`) are kept as they are.
 */
import type { ApisixKind } from '../model/apisix.js';
import { KIND } from '../apisix/kinds/index.js';
import { fieldValue, setFieldValue } from '../apisix/consumer-secrets.js';
import { secretPaths } from '../secrets/classify.js';
import { isGatewayReference, syncReferenceOf } from '../secrets/references.js';
import type { SecretVariable } from './model.js';

/** The variables an import asks for, and their values (in memory only). */
export class SecretVariables {
  readonly list: SecretVariable[] = [];
  /** Reference text (`env:NAME`, `$env://NAME`) → the literal it replaced. */
  private readonly values = new Map<string, string>();
  private readonly names = new Set<string>();

  constructor(private readonly group: string) {}

  /** The value a reference stands for, when this import took it out; never printed. */
  valueOf(reference: string): string | undefined {
    return this.values.get(reference);
  }

  /**
   * Replaces each literal secret of `object` (a copy the caller owns) by a reference, in place.
   * `kind` and `id` name the object in the variables' names and in the list.
   */
  take(kind: ApisixKind, id: string, object: Record<string, unknown>): void {
    const declared = KIND[kind].secretPaths;
    if (declared !== undefined) {
      for (const path of declared(object)) this.replace(kind, id, object, path, 'sync');
    }
    // Any other secret in its plugins (those taken above are references by now, and stay).
    if (object['plugins'] === undefined) return;
    for (const pointer of secretPaths({ plugins: object['plugins'] })) {
      const path = pointer.split('/').slice(1).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
      this.replace(kind, id, object, path, 'gateway');
    }
  }

  /**
   * A variable for a secret the source does not give (a live gateway returns an SSL's key
   * encrypted, or not at all): the user sets it; the check cannot compare it.
   */
  ask(kind: ApisixKind, id: string, path: readonly string[]): string {
    const name = this.nameFor(kind, id, path);
    this.list.push({ name, readBy: 'sync', kind, id, field: `/${path.join('/')}` });
    return name;
  }

  private replace(kind: ApisixKind, id: string, object: Record<string, unknown>, path: readonly string[], readBy: 'sync' | 'gateway'): void {
    const value = fieldValue(object, path);
    if (typeof value !== 'string' || value.length === 0) return;
    if (isGatewayReference(value) || syncReferenceOf(value) !== null) return;
    const name = this.nameFor(kind, id, path);
    const reference = readBy === 'sync' ? `env:${name}` : `$env://${name}`;
    setFieldValue(object, path, reference);
    this.values.set(reference, value);
    this.list.push({ name, readBy, kind, id, field: `/${path.join('/')}` });
  }

  /** `STAGING_CONSUMER_ALICE_KEY_AUTH_KEY`: group, kind, object and field, unique in this import. */
  private nameFor(kind: ApisixKind, id: string, path: readonly string[]): string {
    const words = [this.group, KIND_WORD[kind], id, ...path.filter((p) => p !== 'plugins')];
    const base = words
      .join('_')
      .toUpperCase()
      .replace(/[^A-Z0-9]+/g, '_')
      .replace(/^_+|_+$/g, '');
    const stem = /^[0-9]/.test(base) ? `V_${base}` : base;
    let name = stem;
    for (let n = 2; this.names.has(name); n++) name = `${stem}_${n}`;
    this.names.add(name);
    return name;
  }
}

const KIND_WORD: Readonly<Record<ApisixKind, string>> = {
  upstreams: 'upstream',
  services: 'service',
  routes: 'route',
  consumer_groups: 'consumer_group',
  consumers: 'consumer',
  ssls: 'ssl',
  global_rules: 'global_rule',
  plugin_metadata: 'metadata',
  plugin_configs: 'plugin_config',
  stream_routes: 'stream_route',
  secrets: 'secret',
};
