import type { ApisixConfig, ApisixObject } from '../../../model/apisix.js';
import { SyncError } from '../../errors.js';
import { bodyKey, configOf, standaloneItemsOf, type KindDescriptor } from '../../../apisix/kinds/index.js';
import type { AdminClient } from '../apisix/client.js';

export const CONFIGS_PATH = '/apisix/admin/configs';

/** Metadata APISIX keeps inside the stored configuration (`apisix/admin/standalone.lua`). */
export const METADATA_KEYS = ['X-Digest', 'X-Last-Modified'] as const;

/** The whole configuration of a standalone instance as `GET /apisix/admin/configs` returns it. */
export interface StandaloneState {
  /** Every resource list and `<kind>_conf_version` returned, metadata keys removed. */
  readonly raw: Readonly<Record<string, unknown>>;
  /** The objects of every kind in `raw`, sorted by id. */
  readonly config: ApisixConfig;
  /** `X-Digest` the instance reports, null before its first update. */
  readonly digest: string | null;
  /** The item as read, for objects whose id had to be turned into a string (sent back as read). */
  readonly asRead: WeakMap<ApisixObject, unknown>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The objects of `kind` in `raw` (its items of the kind's standalone key), each with its `id` a
 * string taken from the kind's id field.
 */
function objectsOf(
  client: AdminClient,
  raw: Record<string, unknown>,
  kind: KindDescriptor,
  asRead: WeakMap<ApisixObject, unknown>,
): ApisixObject[] {
  const key = kind.standalone.key;
  const items = raw[key];
  // An empty Lua table encodes as `{}`; an absent key is an empty list too.
  if (items === undefined || items === null || (isRecord(items) && Object.keys(items).length === 0)) return [];
  if (!Array.isArray(items)) {
    throw new SyncError({
      code: 'invalid-live-state',
      target: client.target,
      message: `target ${client.target}: "${key}" in GET ${CONFIGS_PATH} is not a list`,
    });
  }
  return standaloneItemsOf(kind, items)
    .map((item) => {
      const id = isRecord(item) ? bodyKey(kind, item) : undefined;
      if (!isRecord(item) || id === undefined) {
        throw new SyncError({
          code: 'invalid-live-state',
          target: client.target,
          message: `target ${client.target}: an item of "${key}" in GET ${CONFIGS_PATH} has no ${kind.id.field}`,
          hint: 'tagway can only keep objects it can tell apart; give every object an id',
        });
      }
      if (item.id === id && typeof id === 'string') return item as ApisixObject;
      const obj = { ...item, id: String(id) } as ApisixObject;
      asRead.set(obj, item);
      return obj;
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}

export async function readStandaloneState(client: AdminClient): Promise<StandaloneState> {
  const res = await client.request({ method: 'GET', path: CONFIGS_PATH });
  if (!isRecord(res.body)) {
    throw new SyncError({
      code: 'invalid-live-state',
      target: client.target,
      message: `target ${client.target}: GET ${CONFIGS_PATH} did not return a JSON object`,
      hint: 'check that the instance runs in API-driven standalone mode (deployment.role: traditional, role_traditional.config_provider: yaml)',
    });
  }
  const raw: Record<string, unknown> = { ...res.body };
  const bodyDigest = raw['X-Digest'];
  for (const key of METADATA_KEYS) delete raw[key];
  const headerDigest = res.headers['x-digest'];
  const digest = headerDigest ? headerDigest : typeof bodyDigest === 'string' && bodyDigest ? bodyDigest : null;
  const asRead = new WeakMap<ApisixObject, unknown>();
  const config = configOf((kind) => objectsOf(client, raw, kind, asRead));
  return { raw, config, digest, asRead };
}
