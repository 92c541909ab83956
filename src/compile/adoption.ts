/**
 * A group's adoption record (`gateway-groups/<group>/adopt.yaml`, docs/adoption.md): which objects
 * of its gateways the group takes over, carried into its snapshot (`Snapshot.adopt`) and checked
 * against the objects the snapshot holds. It changes no object, so not the digest either.
 */
import { KIND_NAMES, isKindName } from '../apisix/kinds/index.js';
import { describeObject } from '../apisix/references.js';
import { didYouMean } from '../core/did-you-mean.js';
import { joinPointer } from '../load/yaml-file.js';
import type { ApisixConfig, ApisixKind } from '../model/apisix.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { cmp } from '../model/diagnostic.js';
import type { SnapshotAdoption } from '../model/snapshot.js';
import type { AdoptEntry } from '../validate/entries.js';

/**
 * The record as the snapshot holds it: its kinds that tagway knows (an unknown one is TW3060),
 * each with at least one entry, kinds and ids in code-point order; null when nothing is left.
 */
export function snapshotAdoption(entry: AdoptEntry): SnapshotAdoption | null {
  const out: Partial<Record<ApisixKind, Record<string, string>>> = {};
  for (const kind of Object.keys(entry.spec).sort(cmp)) {
    const ids = entry.spec[kind]!;
    if (!isKindName(kind) || Object.keys(ids).length === 0) continue;
    out[kind] = Object.fromEntries(Object.keys(ids).sort(cmp).map((id) => [id, ids[id]!]));
  }
  return Object.keys(out).length === 0 ? null : out;
}

/**
 * The record's findings against the snapshot's objects `apisix`:
 * - TW3060: a key that names no kind tagway knows;
 * - TW3061: a tagway id the snapshot holds no object of that kind at (at the value, did-you-mean);
 * - TW3062: a gateway object to retire (replaced by another id) whose own id is that of another
 *   object of the snapshot: sync would have to both write and delete that id.
 */
export function checkAdoption(entry: AdoptEntry, apisix: ApisixConfig): Diagnostic[] {
  const { file } = entry;
  const out: Diagnostic[] = [];
  for (const kind of Object.keys(entry.spec).sort(cmp)) {
    if (!isKindName(kind)) {
      const near = didYouMean(kind, KIND_NAMES);
      out.push({
        code: 'TW3060',
        severity: 'error',
        message: `${JSON.stringify(kind)} is not a kind of gateway object tagway manages`,
        ...file.locate(joinPointer(kind), { key: true }),
        hint: `${near !== null ? `Did you mean ${near}? ` : ''}The keys of adopt.yaml are kinds: ${KIND_NAMES.join(', ')}.`,
        related: [],
      });
      continue;
    }
    const held = new Set(apisix[kind].map((o) => String(o.id)));
    const ids = entry.spec[kind]!;
    for (const gatewayId of Object.keys(ids).sort(cmp)) {
      const tagwayId = ids[gatewayId]!;
      if (!held.has(tagwayId)) {
        const near = didYouMean(tagwayId, held);
        out.push({
          code: 'TW3061',
          severity: 'error',
          message: `the group's snapshot holds no ${describeObject(kind, tagwayId)} to take over ${describeObject(kind, gatewayId)} of the gateway`,
          ...file.locate(joinPointer(kind, gatewayId)),
          hint:
            (near !== null ? `Did you mean ${near}? ` : '') +
            `Name the id of the object tagway emits in its place (ids are <service>.<route> for routes, <service> for services and upstreams, the file name for a group's own objects), or remove the line.`,
          related: [],
        });
      } else if (tagwayId !== gatewayId && held.has(gatewayId)) {
        out.push({
          code: 'TW3062',
          severity: 'error',
          message: `${describeObject(kind, gatewayId)} of the gateway is to be replaced by ${tagwayId}, but the snapshot holds an object of its own at ${gatewayId}: sync would both write and delete that id`,
          ...file.locate(joinPointer(kind, gatewayId), { key: true }),
          hint: `Map ${gatewayId} to itself to take it over in place, or rename the tagway object at ${gatewayId}.`,
          related: [],
        });
      }
    }
  }
  return out;
}
