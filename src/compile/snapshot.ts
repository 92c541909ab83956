import type { ApisixConfig } from '../model/apisix.js';
import { cmp } from '../model/diagnostic.js';
import type { ServiceProvenance, Snapshot } from '../model/snapshot.js';
import { SNAPSHOT_FORMAT } from '../model/snapshot.js';
import type { ResolvedGroup } from '../validate/rules/rule.js';
import { canonicalJson, canonicalJsonPretty, sha256Digest, sortKeys } from './canonical.js';
import { renderStandaloneYaml } from './standalone.js';

/** sha256 of the canonical JSON of what reaches the gateway, and nothing else. */
export function configDigest(config: ApisixConfig): string {
  return sha256Digest(canonicalJson(config));
}

/** Pure: a group's emitted objects + where they came from → the snapshot (keys in canonical order). */
export function buildSnapshot(group: ResolvedGroup, config: ApisixConfig, options: { commit: string | null; draft: boolean }): Snapshot {
  const services: ServiceProvenance[] = group.services
    .map((s) => ({
      name: s.name,
      version: s.version,
      tag: s.template.tag?.tag ?? null,
      commit: s.template.tag?.commit ?? null,
      template: s.template.file.path,
      overlay: s.overlay?.file.path ?? null,
    }))
    .sort((a, b) => cmp(a.name, b.name));
  const apisix = sortKeys(config);
  // `apisix` is in canonical key order now, so plain JSON.stringify is its canonical JSON.
  const digest = sha256Digest(JSON.stringify(apisix));
  return {
    apisix,
    digest,
    draft: options.draft,
    format: SNAPSHOT_FORMAT,
    group: group.group.group,
    provenance: sortKeys({ commit: options.commit, services }),
  };
}

/** The bytes of `snapshot.json`. */
export function renderSnapshotJson(snapshot: Snapshot): string {
  return canonicalJsonPretty(snapshot);
}

/** The bytes of the group's standalone `apisix.yaml`. */
export function renderSnapshotStandalone(snapshot: Snapshot): string {
  return renderStandaloneYaml(snapshot.apisix);
}
