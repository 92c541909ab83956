import { LABEL_GROUP, LABEL_LEASE, type ApisixConfig, type ApisixKind, type ApisixObject } from '../model/apisix.js';
import type { Snapshot } from '../model/snapshot.js';
import { SyncError } from './errors.js';
import { comparisonPair, diffFields, sameExceptServerFields, sameForms, showsStoredDefaults, type FieldChange } from '../apisix/normalize.js';
import { describeObject, referencesOf } from '../apisix/references.js';
import { adoptRuntimeState } from '../apisix/canary.js';
import { KINDS, KINDS_TO_DELETE, configOf, kindNamed, kindRank, type KindDescriptor, type ReferrerKind } from '../apisix/kinds/index.js';
import { findShadowedRoutes, type OtherRoute, type ShadowedRoute } from './shadowed.js';

export type { FieldChange } from '../apisix/normalize.js';
export type { ShadowedRoute } from './shadowed.js';

/**
 * One write of a plan. `before` is the live object as read: the undo log of the step.
 *
 * Adoption (the snapshot's `adopt`, docs/adoption.md) marks two kinds of steps: an update with
 * `takeover` writes over an object the group did not own yet, listed under its own id (taken over
 * in place); a delete with `retiredFor` removes a listed object the group does not own, whose
 * replacement (that id) the snapshot holds. A delete with `early` runs right before the creates
 * and updates of its kind instead of after every one (a retired global rule that holds a plugin
 * its replacement holds: APISIX refuses the replacement while it is there).
 */
export type PlanStep =
  | { readonly op: 'create'; readonly kind: ApisixKind; readonly id: string; readonly after: ApisixObject }
  | {
      readonly op: 'update';
      readonly kind: ApisixKind;
      readonly id: string;
      readonly before: ApisixObject;
      readonly after: ApisixObject;
      readonly changes: readonly FieldChange[];
      readonly takeover?: true;
    }
  | { readonly op: 'delete'; readonly kind: ApisixKind; readonly id: string; readonly before: ApisixObject; readonly retiredFor?: string; readonly early?: true };

/**
 * A listed gateway object that is not retired because an object that stays on the gateway (one
 * the group neither owns nor retires) still uses it: kept, and reported, never a conflict.
 */
export interface KeptOriginal {
  readonly kind: ApisixKind;
  readonly id: string;
  readonly replacedBy: string;
  readonly referencedBy: { readonly kind: ApisixKind; readonly id: string };
  readonly message: string;
}

/**
 * Why the plan cannot be applied without touching what this group does not own:
 * - `unowned`: an object without tagway's labels sits at an id the snapshot needs;
 * - `other-group`: a tagway object of another group sits there;
 * - `still-referenced`: an owned object to delete is still used by an object that stays.
 */
export interface Conflict {
  readonly code: 'unowned' | 'other-group' | 'still-referenced';
  readonly kind: ApisixKind;
  readonly id: string;
  readonly message: string;
  readonly hint: string;
  /** For `still-referenced`: the object that still uses it (of any kind that can). */
  readonly referencedBy?: { readonly kind: ApisixKind | ReferrerKind; readonly id: string };
}

export interface PlanCounts {
  readonly create: number;
  /** Updates, `takeover` ones included. */
  readonly update: number;
  /** Deletes of `steps`, early retirements included; not those of `retire`. */
  readonly delete: number;
  readonly unchanged: number;
  /** Updates that take an object over in place; present when there are some. */
  readonly takeover?: number;
  /** Retirements of the plan, `retire` and early ones together; present when there are some. */
  readonly retire?: number;
}

/**
 * What a sync of one target would do. `steps` are in apply order: creates and updates kind by kind
 * in the registry's order (upstreams → services → routes), then deletes in the reverse order, each
 * kind by id in code-point order. A plan with conflicts must not be applied.
 */
export interface Plan {
  readonly group: string;
  /** Digest of the snapshot the plan leads to. */
  readonly digest: string;
  readonly steps: readonly PlanStep[];
  readonly conflicts: readonly Conflict[];
  readonly counts: PlanCounts;
  /**
   * The second stage of an adoption: deletes of the gateway objects the snapshot replaces
   * (`retiredFor`), in delete order, to apply only once `steps` are applied and verified (the
   * replacements then hold). Present when there are some.
   */
  readonly retire?: readonly PlanStep[];
  /** Listed gateway objects kept since an object that stays uses them; present when there are some. */
  readonly kept?: readonly KeptOriginal[];
  /**
   * Routes of the gateway the group does not manage (and neither writes nor retires) that take or
   * may take the requests of one of the snapshot's routes (shadowed.ts): warnings, never
   * conflicts. Present when there are some.
   */
  readonly shadowed?: readonly ShadowedRoute[];
}

/**
 * A run's lease object (labelled `tagway.lease`, see docs/concurrent-runs.md): coordination
 * between runs, not configuration.
 */
export function isLeaseObject(obj: ApisixObject): boolean {
  return obj.labels?.[LABEL_LEASE] !== undefined;
}

/**
 * Owned by `group`: claimed by it under its kind's ownership rule (for kinds with labels,
 * labelled `managed-by: tagway` and `tagway.group: <group>`), and not a lease object. The one
 * place ownership is decided, so lease objects are never planned, diffed, counted as drift or
 * deleted as owned objects the snapshot lacks, whatever their other labels.
 */
export function isOwnedBy(kind: KindDescriptor, obj: ApisixObject, group: string): boolean {
  return kind.ownership.claimedBy(obj) === group && !isLeaseObject(obj);
}

/** The objects of `config` owned by `group`, per kind. */
export function ownedObjects(config: ApisixConfig, group: string): ApisixConfig {
  return configOf((kind) => config[kind.name].filter((o) => isOwnedBy(kind, o, group)));
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

function indexById(objects: readonly ApisixObject[]): Map<string, ApisixObject> {
  return new Map(objects.map((o) => [String(o.id), o]));
}

/** Ids are strings, each greater than the one before (code-point order): sorted, no id twice. */
function strictlyById(objects: readonly ApisixObject[], stringIds: boolean): boolean {
  for (let i = 0; i < objects.length; i++) {
    const id = objects[i]!.id;
    if (stringIds && typeof id !== 'string') return false;
    if (i > 0 && !(String(objects[i - 1]!.id) < String(id))) return false;
  }
  return true;
}

/**
 * Calls `pair` with each desired object and the live object at its id (if any), in the order of
 * `desired`, and returns the live objects at ids `desired` lacks, with those ids, in live order.
 * Both lists are normally sorted by id (a snapshot's kinds are, and so are a target's, see
 * LiveState): then they are walked side by side; otherwise the live objects are indexed by id,
 * the last one read at an id winning.
 */
function matchById(
  desired: readonly ApisixObject[],
  live: readonly ApisixObject[],
  pair: (desired: ApisixObject, current: ApisixObject | undefined) => void,
): Array<readonly [string, ApisixObject]> {
  const extra: Array<readonly [string, ApisixObject]> = [];
  if (strictlyById(desired, true) && strictlyById(live, false)) {
    let j = 0;
    for (const want of desired) {
      while (j < live.length && String(live[j]!.id) < want.id) extra.push([String(live[j]!.id), live[j++]!]);
      pair(want, j < live.length && String(live[j]!.id) === want.id ? live[j++] : undefined);
    }
    for (; j < live.length; j++) extra.push([String(live[j]!.id), live[j]!]);
    return extra;
  }
  const liveById = indexById(live);
  for (const want of desired) pair(want, liveById.get(want.id));
  const wanted = new Set(desired.map((o) => o.id));
  for (const entry of liveById) if (!wanted.has(entry[0])) extra.push(entry);
  return extra;
}

function placementConflict(kind: KindDescriptor, id: string, live: ApisixObject, group: string): Conflict {
  const name = describeObject(kind.name, id);
  const otherGroup = kind.ownership.claimedBy(live);
  if (otherGroup !== null) {
    return {
      code: 'other-group',
      kind: kind.name,
      id,
      message: `${name} on the target belongs to tagway group ${otherGroup}, not ${group}`,
      hint: kind.ownership.labels
        ? `two groups that share this gateway both define ${name}: rename the service or route in one of them, ` +
          `or hand the object over by setting its label ${LABEL_GROUP} to ${group}`
        : `two groups that share this gateway both define ${name}: remove it from one of them`,
    };
  }
  return {
    code: 'unowned',
    kind: kind.name,
    id,
    message: `${name} exists on the target and is not managed by tagway group ${group}; it was left untouched`,
    hint: `${kind.ownership.adopt(name, group)}; or rename the service or route so that its id no longer collides`,
  };
}

/**
 * What the plans of one sync of a target learnt: each live object found to be a snapshot object
 * plus server fields, with that snapshot object. A sync plans twice, before applying and to
 * verify, and the state it verifies against is the state read before with the written objects
 * replaced: the objects it did not write are the same two objects, and are not compared again.
 * Valid only while neither side is changed, i.e. within one sync of one target.
 */
export type PlanMemo = WeakMap<ApisixObject, ApisixObject>;

/**
 * Plans one target: the snapshot's objects against the live objects read from it. Pure (but for
 * what it notes in `memo`).
 *
 * - Live objects owned by the snapshot's group are compared in their normalised form (see
 *   normalize.ts), so server fields and schema defaults never cause a write; owned objects absent
 *   from the snapshot are deleted.
 * - A live object the group does not own is never written: at an id the snapshot needs it is a
 *   conflict, and so is an owned object to delete that a remaining object still refers to.
 */
export function planSync(snapshot: Pick<Snapshot, 'group' | 'digest' | 'apisix' | 'adopt'>, live: ApisixConfig, memo?: PlanMemo): Plan {
  const { group } = snapshot;
  const adopt = snapshot.adopt;
  // Listed gateway objects the snapshot replaces under another id, by kind: retired unless kept.
  const retiring: Array<readonly [KindDescriptor, string, ApisixObject, string]> = [];
  const takenOver = new Set<string>();
  const conflicts: Conflict[] = [];
  const upserts = new Map<ApisixKind, PlanStep[]>();
  const deletes = new Map<ApisixKind, PlanStep[]>();
  let unchanged = 0;

  // Pairs of a snapshot object and the owned live object at its id that are not known equal.
  const compared: Array<readonly [KindDescriptor, ApisixObject, ApisixObject]> = [];
  for (const kind of KINDS) {
    const name = kind.name;
    const kindUpserts: PlanStep[] = [];
    const listed = adopt?.[name];
    const extra = matchById(snapshot.apisix[name], live[name], (snapshotObject, current) => {
      // A progressive canary's weight reached by a rollout is runtime state, not drift.
      const desired = current === undefined ? snapshotObject : adoptRuntimeState(name, snapshotObject, current);
      if (current === undefined) {
        kindUpserts.push({ op: 'create', kind: name, id: desired.id, after: desired });
        return;
      }
      if (!isOwnedBy(kind, current, group)) {
        // Owned by no group and listed under its own id: taken over in place, compared like an owned one.
        if (listed?.[desired.id] !== desired.id || kind.ownership.claimedBy(current) !== null || isLeaseObject(current)) {
          conflicts.push(placementConflict(kind, desired.id, current, group));
          return;
        }
        takenOver.add(`${name}/${desired.id}`);
      }
      if (memo?.get(current) === desired) {
        unchanged += 1;
      } else if (sameExceptServerFields(kind, desired, current)) {
        // A live object that is the snapshot's object plus server fields has equal comparison
        // forms (the same steps turn both into them): most objects of a sync, known without
        // copying them.
        memo?.set(current, desired);
        unchanged += 1;
      } else {
        compared.push([kind, desired, current]);
      }
    });
    upserts.set(name, kindUpserts);
    deletes.set(
      name,
      extra.filter(([, obj]) => isOwnedBy(kind, obj, group)).map(([id, before]) => ({ op: 'delete' as const, kind: name, id, before })),
    );
    if (listed !== undefined) {
      for (const [id, obj] of extra) {
        const replacement = listed[id];
        if (replacement === undefined || replacement === id || kind.ownership.claimedBy(obj) !== null || isLeaseObject(obj)) continue;
        retiring.push([kind, id, obj, replacement]);
      }
    }
  }

  // Looked for among the other pairs only: an object equal but for server fields shows no default.
  const storedDefaults = compared.some(([kind, desired, current]) => showsStoredDefaults(kind, desired, current));
  for (const [kind, desired, current] of compared) {
    const [want, have] = comparisonPair(kind, desired, current, storedDefaults);
    // Equal canonical forms have no field changes: most objects of a sync are unchanged, and
    // one comparison of the whole is much cheaper than a walk field by field.
    const changes = sameForms(want, have) ? [] : diffFields(have, want);
    const takeover = takenOver.has(`${kind.name}/${desired.id}`);
    if (changes.length === 0) unchanged += 1;
    else upserts.get(kind.name)?.push({ op: 'update', kind: kind.name, id: desired.id, before: current, after: desired, changes, ...(takeover ? { takeover: true as const } : {}) });
  }

  conflicts.push(...referenceConflicts(snapshot.apisix, live, deletes, group));
  const { retire, early, kept } = retirements(retiring, snapshot.apisix, live, group, takenOver, upserts);
  const shadowed = shadowedRoutes(snapshot.apisix, live, group, [...retire, ...early]);

  // In apply order (see `inApplyOrder`), phase by phase: each kind's steps are mostly in id
  // order already (creates, then updates), which sorting finds at once.
  const steps: PlanStep[] = [];
  for (const kind of KINDS) {
    for (const step of early.filter((s) => s.kind === kind.name)) steps.push(step);
    for (const step of upserts.get(kind.name)!.sort(byId)) steps.push(step);
  }
  for (const kind of KINDS_TO_DELETE) for (const step of deletes.get(kind.name)!.sort(byId)) steps.push(step);

  const takeovers = steps.filter((s) => s.op === 'update' && s.takeover === true).length;
  const retired = retire.length + early.length;
  return {
    group,
    digest: snapshot.digest,
    steps,
    conflicts: conflicts.sort(byKindAndId),
    counts: {
      create: steps.filter((s) => s.op === 'create').length,
      update: steps.filter((s) => s.op === 'update').length,
      delete: steps.filter((s) => s.op === 'delete').length,
      unchanged,
      ...(takeovers > 0 ? { takeover: takeovers } : {}),
      ...(retired > 0 ? { retire: retired } : {}),
    },
    ...(retire.length > 0 ? { retire } : {}),
    ...(kept.length > 0 ? { kept } : {}),
    ...(shadowed.length > 0 ? { shadowed } : {}),
  };
}

/**
 * The snapshot's routes that a route of the gateway takes requests from (shadowed.ts), among the
 * routes that stay on the gateway after the plan and that the group does not own: neither at an
 * id of the snapshot (taken over, or a conflict) nor retired, nor a lease object. One pass over
 * the gateway's routes; the rest only when some are not the group's.
 */
function shadowedRoutes(desired: ApisixConfig, live: ApisixConfig, group: string, retired: readonly PlanStep[]): ShadowedRoute[] {
  const routes = kindNamed('routes');
  const foreign = live.routes.filter((r) => !isOwnedBy(routes, r, group) && !isLeaseObject(r));
  if (foreign.length === 0) return [];
  const gone = new Set([...desired.routes.map((r) => r.id), ...retired.filter((s) => s.kind === 'routes').map((s) => s.id)]);
  const others: OtherRoute[] = foreign.filter((r) => !gone.has(String(r.id))).map((route) => ({ route, group: routes.ownership.claimedBy(route) }));
  return findShadowedRoutes(group, desired, others, live.services);
}

/**
 * The retirements of a plan: the listed gateway objects the snapshot replaces, less those an
 * object that stays still uses (`kept`: a staying object is one of the snapshot's, or a live one
 * the group neither owns, takes over nor retires; a kept object stays too, so what it uses is kept
 * as well). Retired global rules that hold a plugin a global rule the plan writes holds go
 * `early`, right before that write; the others wait for the second stage (`retire`), in delete
 * order.
 */
function retirements(
  retiring: ReadonlyArray<readonly [KindDescriptor, string, ApisixObject, string]>,
  desired: ApisixConfig,
  live: ApisixConfig,
  group: string,
  takenOver: ReadonlySet<string>,
  upserts: ReadonlyMap<ApisixKind, readonly PlanStep[]>,
): { retire: PlanStep[]; early: PlanStep[]; kept: KeptOriginal[] } {
  if (retiring.length === 0) return { retire: [], early: [], kept: [] };
  const candidates = new Map(retiring.map((r) => [`${r[0].name}/${r[1]}`, r]));
  const staying: Array<readonly [KindDescriptor, ApisixObject]> = [];
  for (const kind of KINDS) {
    if (kind.references.length === 0) continue;
    for (const obj of desired[kind.name]) staying.push([kind, obj]);
    for (const obj of live[kind.name]) {
      const key = `${kind.name}/${String(obj.id)}`;
      if (!isOwnedBy(kind, obj, group) && !candidates.has(key) && !takenOver.has(key)) staying.push([kind, obj]);
    }
  }
  const kept: KeptOriginal[] = [];
  // Until no staying object uses a candidate: each one kept stays, and is looked at in turn.
  for (let i = 0; i < staying.length; i++) {
    const [kind, obj] = staying[i]!;
    for (const ref of referencesOf(kind, obj)) {
      const key = `${ref.kind}/${ref.id}`;
      const candidate = candidates.get(key);
      if (candidate === undefined) continue;
      candidates.delete(key);
      const user = describeObject(kind.name, String(obj.id));
      kept.push({
        kind: candidate[0].name,
        id: candidate[1],
        replacedBy: candidate[3],
        referencedBy: { kind: kind.name, id: String(obj.id) },
        message: `${describeObject(candidate[0].name, candidate[1])} is replaced by ${candidate[3]} but was kept on the gateway: ${user}, which stays, still uses it`,
      });
      if (candidate[0].references.length > 0) staying.push([candidate[0], candidate[2]]);
    }
  }
  const written = new Set<string>();
  for (const step of upserts.get('global_rules') ?? []) if (step.op !== 'delete') for (const plugin of Object.keys(step.after.plugins ?? {})) written.add(plugin);
  const retire: PlanStep[] = [];
  const early: PlanStep[] = [];
  for (const [kind, id, before, replacedBy] of candidates.values()) {
    const overlaps = kind.name === 'global_rules' && Object.keys(before.plugins ?? {}).some((p) => written.has(p));
    const step: PlanStep = { op: 'delete', kind: kind.name, id, before, retiredFor: replacedBy, ...(overlaps ? { early: true as const } : {}) };
    (overlaps ? early : retire).push(step);
  }
  const rank = (s: PlanStep) => KINDS_TO_DELETE.findIndex((k) => k.name === s.kind);
  const order = (a: PlanStep, b: PlanStep) => rank(a) - rank(b) || byId(a, b);
  return { retire: retire.sort(order), early: early.sort(order), kept: kept.sort((a, b) => kindRank(a.kind) - kindRank(b.kind) || byId(a, b)) };
}

/**
 * Steps in the order a plan applies them: creates and updates kind by kind in `KINDS` order, then
 * deletes in the reverse order, each kind by id.
 */
function inApplyOrder(steps: readonly PlanStep[]): PlanStep[] {
  const kinds = KINDS.length;
  // An early delete runs right before the creates and updates of its kind.
  const rank = (s: PlanStep) => (s.op === 'delete' ? (s.early === true ? kindRank(s.kind) - 0.5 : 2 * kinds - 1 - kindRank(s.kind)) : kindRank(s.kind));
  return [...steps].sort((a, b) => rank(a) - rank(b) || byId(a, b));
}

/**
 * The plan that undoes `plan` on a target that holds its result, from each step's `before` (the
 * undo log): a created object is deleted, an updated one gets its old body back, a deleted one is
 * created again. In apply order, so old objects are back before anything that refers to them,
 * and created ones are deleted after what referred to them went back (old objects only refer to
 * old objects). Its digest is the plan's, and it has no conflicts and no retirements (a plan whose
 * retirements were applied is inverted with them among its steps: see sync.ts).
 */
export function invertPlan(plan: Plan): Plan {
  // A kind with early deletes (retired global rules whose plugins their replacements hold) has
  // its undo's deletes early too: the replacements go before the retired rules come back.
  const earlyKinds = new Set(plan.steps.filter((s) => s.op === 'delete' && s.early === true).map((s) => s.kind));
  const undo = plan.steps.map((step): PlanStep => {
    if (step.op === 'create') return { op: 'delete', kind: step.kind, id: step.id, before: step.after, ...(earlyKinds.has(step.kind) ? { early: true as const } : {}) };
    if (step.op === 'delete') return { op: 'create', kind: step.kind, id: step.id, after: step.before };
    const changes = step.changes.map((c): FieldChange => {
      const op = c.op === 'add' ? 'remove' : c.op === 'remove' ? 'add' : 'replace';
      return { path: c.path, op, ...('after' in c ? { before: c.after } : {}), ...('before' in c ? { after: c.before } : {}) } as FieldChange;
    });
    return { op: 'update', kind: step.kind, id: step.id, before: step.after, after: step.before, changes };
  });
  const steps = inApplyOrder(undo);
  const count = (op: PlanStep['op']) => steps.filter((s) => s.op === op).length;
  const { retire: _retire, kept: _kept, shadowed: _shadowed, ...rest } = plan;
  return { ...rest, steps, conflicts: [], counts: { create: count('create'), update: count('update'), delete: count('delete'), unchanged: plan.counts.unchanged } };
}

function byKindAndId(a: Conflict, b: Conflict): number {
  return kindRank(a.kind) - kindRank(b.kind) || byId(a, b);
}

/** `plan` with more conflicts (found outside the planner, e.g. objects of other kinds), in order. */
export function withConflicts(plan: Plan, more: readonly Conflict[]): Plan {
  return more.length === 0 ? plan : { ...plan, conflicts: [...plan.conflicts, ...more].sort(byKindAndId) };
}

/** Deletes that a remaining object (foreign, or from the snapshot) still refers to. */
function referenceConflicts(
  desired: ApisixConfig,
  live: ApisixConfig,
  deletes: ReadonlyMap<ApisixKind, readonly PlanStep[]>,
  group: string,
): Conflict[] {
  const deleted = new Set<string>();
  for (const steps of deletes.values()) for (const s of steps) deleted.add(`${s.kind}/${s.id}`);
  if (deleted.size === 0) return [];

  const remaining: Array<readonly [KindDescriptor, ApisixObject]> = [];
  for (const kind of KINDS) {
    if (kind.references.length === 0) continue;
    for (const obj of live[kind.name]) if (!isOwnedBy(kind, obj, group)) remaining.push([kind, obj]);
    for (const obj of desired[kind.name]) remaining.push([kind, obj]);
  }
  const conflicts: Conflict[] = [];
  const seen = new Set<string>();
  for (const [kind, obj] of remaining) {
    for (const ref of referencesOf(kind, obj)) {
      const key = `${ref.kind}/${ref.id}`;
      if (!deleted.has(key) || seen.has(key)) continue;
      seen.add(key);
      const user = describeObject(kind.name, String(obj.id));
      const target = describeObject(ref.kind, ref.id);
      conflicts.push({
        code: 'still-referenced',
        kind: ref.kind,
        id: ref.id,
        referencedBy: { kind: kind.name, id: String(obj.id) },
        message: `${target} is no longer in the snapshot, but ${user} still uses it, so it cannot be deleted`,
        hint: `change or remove ${user} first, or keep ${target} in the snapshot`,
      });
    }
  }
  return conflicts;
}

/**
 * Steps of `plan` that would now overwrite an object the plan's group does not own in `config`:
 * one that appeared after the plan was made. Targets that re-read before writing check this.
 */
export function stepsBlockedIn(config: ApisixConfig, plan: Plan): PlanStep[] {
  return plan.steps.filter((step) => {
    // A takeover was planned against the object the group does not own yet.
    if (step.op === 'delete' || (step.op === 'update' && step.takeover === true)) return false;
    const current = config[step.kind].find((o) => String(o.id) === step.id);
    return current !== undefined && !isOwnedBy(kindNamed(step.kind), current, plan.group);
  });
}

/** The error for `stepsBlockedIn` findings: nothing was written. */
export function blockedError(target: string, plan: Plan, blocked: readonly PlanStep[]): SyncError {
  return new SyncError({
    code: 'conflict',
    target,
    message:
      `target ${target}: ${blocked.map((s) => describeObject(s.kind, s.id)).join(', ')} appeared since the plan was made ` +
      `and is not managed by tagway group ${plan.group}; nothing was written`,
    hint: 'sync again to see the conflict and how to adopt or rename the object',
    objects: blocked.map((s) => ({ kind: s.kind, id: s.id })),
  });
}

/**
 * The plan's steps as phases: consecutive steps with the same operation direction and kind.
 * Steps inside a phase are independent and may run concurrently; phases run in order.
 */
export function planPhases(plan: Plan): PlanStep[][] {
  const phases: PlanStep[][] = [];
  let key = '';
  for (const step of plan.steps) {
    const stepKey = `${step.op === 'delete' ? 'delete' : 'upsert'}/${step.kind}`;
    if (stepKey !== key || phases.length === 0) {
      phases.push([]);
      key = stepKey;
    }
    phases[phases.length - 1]?.push(step);
  }
  return phases;
}

/**
 * `config` with the plan's steps applied: the whole configuration a target that is written in one
 * piece (standalone file or API) should hold. Objects the plan does not touch, foreign ones
 * included, are kept as they are; each kind stays sorted by id. Pure.
 */
export function applyPlanToConfig(config: ApisixConfig, plan: Plan): ApisixConfig {
  return configOf(({ name }) => {
    const objects = indexById(config[name]);
    for (const step of plan.steps) {
      if (step.kind !== name) continue;
      if (step.op === 'delete') objects.delete(step.id);
      else objects.set(step.id, step.after);
    }
    return [...objects.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, o]) => o);
  });
}
