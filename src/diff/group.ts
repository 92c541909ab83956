import type { ApisixConfig } from '../model/apisix.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import { LABEL_SERVICE, LABEL_VERSION } from '../model/apisix.js';
import { cmp } from '../model/diagnostic.js';
import type { Snapshot } from '../model/snapshot.js';
import { routingImpact } from './impact.js';
import { DIFF_FORMAT } from './model.js';
import type { DiffReport, DiffSide, GroupDiff, GroupState, GroupStatus, ObjectCounts, ObjectDiff, ServiceDiff } from './model.js';
import { diffObjects, type ComparisonForms, type ObjectDiffOptions } from './objects.js';

export interface GroupDiffOptions extends ObjectDiffOptions {
  /**
   * The `after` side is a draft (compiled from templates, version `draft`): version labels are
   * not compared, so an object the draft leaves as it is does not show as relabelled, and a
   * service is listed only when its objects differ.
   */
  readonly draft?: boolean;
}

const EMPTY: ApisixConfig = emptyConfig();

/** A group's state as its compiled snapshot describes it. */
export function groupStateFromSnapshot(snapshot: Snapshot): GroupState {
  return {
    config: snapshot.apisix,
    versions: new Map(snapshot.provenance.services.map((s) => [s.name, s.version])),
    digest: snapshot.digest,
  };
}

/**
 * A group's state as a gateway holds it: the versions are read from the `tagway.version` label of
 * each service object (the objects should be the group's own, see `ownedObjects` in src/sync).
 */
export function groupStateFromConfig(config: ApisixConfig, digest: string | null = null): GroupState {
  const versions = new Map<string, string>();
  for (const service of config.services) {
    const name = service.labels?.[LABEL_SERVICE];
    const version = service.labels?.[LABEL_VERSION];
    if (name !== undefined && version !== undefined) versions.set(name, version);
  }
  return { config, versions, digest };
}

function countObjects(objects: readonly ObjectDiff[]): ObjectCounts {
  const counts = { added: 0, removed: 0, changed: 0, relabelled: 0 };
  for (const o of objects) counts[o.change]++;
  return counts;
}

/**
 * What changes for one gateway group from `before` to `after`; null for a side where the group
 * does not exist. Services are listed when their version or any of their objects changes.
 * Pure: the same states give the same result, and secrets are masked in everything returned.
 */
export function diffGroup(group: string, before: GroupState | null, after: GroupState | null, options: GroupDiffOptions = {}): GroupDiff {
  const configB = before?.config ?? EMPTY;
  const configA = after?.config ?? EMPTY;
  const objects = diffObjects(configB, configA, options.draft ? { ...options, compare: keepingVersionLabel(options.compare) } : options);
  const versionsB = before?.versions ?? new Map<string, string>();
  const versionsA = after?.versions ?? new Map<string, string>();

  const names = new Set([...versionsB.keys(), ...versionsA.keys(), ...objects.flatMap((o) => (o.service === '' ? [] : [o.service]))]);
  const services: ServiceDiff[] = [];
  for (const service of [...names].sort(cmp)) {
    const version = { before: versionsB.get(service) ?? null, after: versionsA.get(service) ?? null };
    const own = objects.filter((o) => o.service === service);
    if (own.length === 0 && (version.before === version.after || options.draft === true)) continue;
    services.push({ service, version, objects: own });
  }

  const groupObjects = objects.filter((o) => o.service === '');
  let status: GroupStatus;
  if (before === null) status = 'added';
  else if (after === null) status = 'removed';
  else status = services.length > 0 || groupObjects.length > 0 ? 'changed' : 'unchanged';
  return {
    group,
    status,
    digest: { before: before?.digest ?? null, after: after?.digest ?? null },
    counts: countObjects(objects),
    services,
    groupObjects,
    // No object differs: the configurations are equal (compared as they are), and so is routing.
    impact: objects.length === 0 && options.compare === undefined ? [] : routingImpact(configB, configA, objects),
  };
}

/**
 * Comparison forms (of `compare`, else the objects) in which the `after` object carries the
 * `before` object's version label: a draft's label (`draft`) is not a change of the object.
 */
function keepingVersionLabel(compare: ComparisonForms | undefined): ComparisonForms {
  return (kind, before, after) => {
    const [b, a] = compare ? compare(kind, before, after) : [before, after];
    const label = labelsOf(b)?.[LABEL_VERSION];
    const labels = labelsOf(a);
    if (label === undefined || labels === undefined || typeof a !== 'object' || a === null) return [b, a];
    return [b, { ...a, labels: { ...labels, [LABEL_VERSION]: label } }];
  };
}

function labelsOf(form: unknown): Readonly<Record<string, unknown>> | undefined {
  const labels = typeof form === 'object' && form !== null ? (form as { labels?: unknown }).labels : undefined;
  return typeof labels === 'object' && labels !== null ? (labels as Record<string, unknown>) : undefined;
}

/**
 * Group by group comparison of two compiles, matched by group name (a group on one side only is
 * `added` or `removed`). `groups` limits the comparison to these names. Sorted by group name.
 */
export function diffSnapshots(
  before: readonly Snapshot[],
  after: readonly Snapshot[],
  options: GroupDiffOptions & { readonly groups?: readonly string[] } = {},
): GroupDiff[] {
  const b = new Map(before.map((s) => [s.group, s]));
  const a = new Map(after.map((s) => [s.group, s]));
  let names = [...new Set([...b.keys(), ...a.keys()])];
  if (options.groups) names = names.filter((n) => options.groups!.includes(n));
  return names.sort(cmp).map((name) => {
    const sb = b.get(name);
    const sa = a.get(name);
    if (sb && sa && sb.digest === sa.digest && options.compare === undefined) {
      // The same digest is the same objects: compared without building them (a snapshot builds
      // its objects on first read, and a large group's are hundreds of MiB).
      const same = (s: Snapshot): GroupState => ({ config: EMPTY, versions: new Map(s.provenance.services.map((p) => [p.name, p.version])), digest: s.digest });
      return diffGroup(name, same(sb), same(sa), options);
    }
    return diffGroup(name, sb ? groupStateFromSnapshot(sb) : null, sa ? groupStateFromSnapshot(sa) : null, options);
  });
}

/** The report `tagway diff` renders. */
export function buildDiffReport(from: DiffSide, to: DiffSide, groups: readonly GroupDiff[]): DiffReport {
  return { format: DIFF_FORMAT, from, to, changed: groups.some((g) => g.status !== 'unchanged'), groups };
}
