/**
 * Pipeline stage *emit* for what a gateway group holds besides its services: its consumer groups
 * and consumers (`gateway-groups/<group>/consumer-groups/<name>.yaml`, `consumers/<username>.yaml`),
 * one APISIX object per file, with the ownership labels. Secret fields are emitted as written:
 * references (`env:NAME`, `file:PATH`) stay references in the snapshot; sync resolves them.
 */
import type { ApisixConsumer, ApisixConsumerGroup } from '../model/apisix.js';
import { LABEL_GROUP, LABEL_MANAGED_BY, LABEL_MANAGED_BY_VALUE } from '../model/apisix.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { KIND, emptyConfig } from '../apisix/kinds/index.js';
import type { ConsumerEntry, ConsumerGroupEntry } from '../validate/entries.js';
import { checkEmitted } from './check-emitted.js';
import { compact, mergedLabels, type EmittedOrigin } from './emit.js';
import { renderObjectPieces, type RenderedPiece } from './snapshot.js';

/** The consumer groups and consumers of one gateway group, as pieces of its snapshot, and APISIX's findings about them. */
export function emitGroupObjects(
  group: string,
  consumerGroups: ReadonlyMap<string, ConsumerGroupEntry> | undefined,
  consumers: ReadonlyMap<string, ConsumerEntry> | undefined,
  plugins: ReadonlySet<string>,
  render: boolean,
): { readonly pieces: readonly RenderedPiece[]; readonly findings: readonly Diagnostic[] } {
  const owner = { [LABEL_MANAGED_BY]: LABEL_MANAGED_BY_VALUE, [LABEL_GROUP]: group };
  const origins: EmittedOrigin[] = [];
  const groups: ApisixConsumerGroup[] = [];
  for (const [name, { file, spec }] of consumerGroups ?? []) {
    groups.push(compact({ desc: spec.desc, id: name, labels: mergedLabels(spec.labels, owner), name, plugins: spec.plugins ?? {} }));
    origins.push({ kind: 'consumer_groups', id: name, from: { file, pointer: '' } });
  }
  const users: ApisixConsumer[] = [];
  for (const [username, { file, spec }] of consumers ?? []) {
    users.push(compact({ desc: spec.desc, group_id: spec.group, id: username, labels: mergedLabels(spec.labels, owner), plugins: spec.plugins, username }));
    origins.push({ kind: 'consumers', id: username, from: { file, pointer: '' } });
  }
  const config = { ...emptyConfig(), consumer_groups: groups, consumers: users };
  return {
    pieces: render ? [...renderObjectPieces(KIND.consumer_groups, groups), ...renderObjectPieces(KIND.consumers, users)] : [],
    findings: checkEmitted(config, origins, plugins),
  };
}
