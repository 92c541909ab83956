/**
 * Pipeline stage *emit* for what a gateway group holds besides its services: its group-level
 * objects (`gateway-groups/<group>/<folder>/<name>.yaml`, src/load/layout.ts `GROUP_OBJECT_FILES`),
 * one APISIX object per file, with the ownership labels. Secret fields are emitted as written:
 * references (`env:NAME`, `file:PATH`) stay references in the snapshot; sync resolves them.
 */
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { LABEL_GROUP, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE } from '../model/apisix.js';
import type { GroupObjectKind, GroupObjectSpecs } from '../model/config.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { GROUP_OBJECT_FILES, GROUP_OBJECT_KINDS } from '../load/layout.js';
import { KIND, emptyConfig } from '../apisix/kinds/index.js';
import { globalRuleId } from '../apisix/kinds/global-rules.js';
import type { GroupObjectEntries } from '../validate/entries.js';
import { checkEmitted } from './check-emitted.js';
import { compact, mergedLabels, type EmittedOrigin } from './emit.js';
import { renderObjectPieces, type RenderedPiece } from './snapshot.js';

/**
 * How one group-level file becomes its APISIX object (of the kind `GROUP_OBJECT_FILES` names):
 * `owner` is the ownership labels of the group, written where the kind keeps labels.
 */
type GroupObjectEmitter<K extends GroupObjectKind> = (name: string, spec: GroupObjectSpecs[K], owner: Readonly<Record<string, string>>, group: string) => ApisixObject;

/** Each group-level file kind's emitter: a new group-level kind adds a row. */
const EMITTERS: { readonly [K in GroupObjectKind]: GroupObjectEmitter<K> } = {
  'consumer-group': (name, spec, owner) => compact({ desc: spec.desc, id: name, labels: mergedLabels(spec.labels, owner), name, plugins: spec.plugins ?? {} }),
  consumer: (username, spec, owner) =>
    compact({ desc: spec.desc, group_id: spec.group, id: username, labels: mergedLabels(spec.labels, owner), plugins: spec.plugins, username }),
  // The file's fields are APISIX's; references stay as written (sync resolves them).
  ssl: (name, spec, owner) => compact({ ...spec, id: name, labels: mergedLabels(spec.labels, owner) }),
  // No labels: APISIX's global rule has only `id` and `plugins`; the id says whose it is.
  'global-rule': (name, spec, _owner, group) => ({ id: globalRuleId(group, name), plugins: spec.plugins }),
  // The plugin's metadata as written, its name as the id, and the ownership labels beside it.
  'plugin-metadata': (plugin, spec, owner) => ({ ...spec, id: plugin, labels: mergedLabels(spec['labels'] as Readonly<Record<string, string>> | undefined, owner) }),
  // The manager's fields as written; the id is `<manager>/<id>`, the file's path below secrets/.
  'secret-manager': (id, spec, owner) => ({ ...spec, id, labels: mergedLabels(spec.labels, owner) }),
};

/** The group-level objects of one gateway group, as pieces of its snapshot, and APISIX's findings about them. */
export function emitGroupObjects(
  group: string,
  entries: GroupObjectEntries,
  plugins: ReadonlySet<string>,
  render: boolean,
): { readonly pieces: readonly RenderedPiece[]; readonly findings: readonly Diagnostic[] } {
  const owner = { [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE, [LABEL_GROUP]: group };
  const origins: EmittedOrigin[] = [];
  const config = emptyConfig() as { -readonly [K in keyof ApisixConfig]: ApisixObject[] };
  for (const fileKind of GROUP_OBJECT_KINDS) {
    const emit = EMITTERS[fileKind] as GroupObjectEmitter<GroupObjectKind>;
    const kind = GROUP_OBJECT_FILES[fileKind].apisixKind;
    for (const [name, { file, spec }] of entries[fileKind].get(group) ?? []) {
      const obj = emit(name, spec, owner, group);
      config[kind].push(obj);
      origins.push({ kind, id: obj.id, from: { file, pointer: '' } });
    }
  }
  const kinds = [...new Set(GROUP_OBJECT_KINDS.map((k) => GROUP_OBJECT_FILES[k].apisixKind))].sort();
  return {
    pieces: render ? kinds.flatMap((kind) => renderObjectPieces(KIND[kind], config[kind])) : [],
    findings: checkEmitted(config, origins, plugins),
  };
}
