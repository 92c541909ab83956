import { canonicalJson } from '../../../core/canonical.js';
import type { ApisixObject } from '../../../model/apisix.js';
import { SyncError, errorData, interruptedError, type SyncErrorData } from '../../errors.js';
import { stripServerFields } from '../../../apisix/normalize.js';
import { KINDS, KINDS_TO_DELETE, kindNamed, objectPath, type KindDescriptor } from '../../../apisix/kinds/index.js';
import { planPhases, type Plan, type PlanStep } from '../../plan.js';
import { runBounded } from '../../../core/bounded.js';
import type { ApplyContext, ApplyReport, RestoreReport } from '../port.js';
import type { AdminClient } from './client.js';
import { clearUnfinished, markUnfinished } from './unfinished.js';

/**
 * PUT body: the object without `id` (the path carries it; a kind keyed by another field keeps
 * that field) and without the kind's server fields.
 */
export function putBody(kind: KindDescriptor, obj: ApisixObject): Record<string, unknown> {
  const { id: _id, ...body } = stripServerFields(kind, obj);
  return body;
}

async function write(client: AdminClient, kind: KindDescriptor, step: PlanStep): Promise<void> {
  const path = objectPath(kind, step.id);
  if (step.op === 'delete') await client.request({ method: 'DELETE', path, allow: [404] });
  else await client.request({ method: 'PUT', path, body: putBody(kind, step.after) });
}

/** A failure after which the gateway certainly did not apply the request (it said so). */
function definitelyNotApplied(error: unknown): boolean {
  return error instanceof SyncError && (error.code === 'rejected' || error.code === 'auth');
}

/**
 * Executes a plan against the Admin API phase by phase (see `planPhases`), `ctx.concurrency`
 * writes at a time within a phase. On the first persistent failure, or once `ctx.signal` aborts
 * before the last write started, it stops starting writes, lets those in flight finish, and
 * undoes what it changed (see `restoreSteps`).
 */
export async function applyApisixPlan(client: AdminClient, plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
  if (plan.steps.length === 0) return { ok: true, writes: 0 };
  try {
    if (ctx.signal?.aborted === true) return { ok: false, writes: 0, error: interruptedError(client.target, ctx.signal, 0, plan.steps.length), restore: NOTHING_DONE };
    await markUnfinished(client, plan.group, plan.digest, new Date());
  } catch (error) {
    return { ok: false, writes: 0, error: errorData(error, client.target), restore: NOTHING_DONE };
  }
  const report = await applySteps(client, plan, ctx);
  // Complete, or every write taken back: the target holds one state again.
  if (report.ok || (report.restore.ok && report.restore.failures.length === 0)) await clearUnfinished(client, plan.group);
  return report;
}

/** Nothing was written, so nothing is undone. */
const NOTHING_DONE: RestoreReport = { attempted: false, ok: true, failures: [] };

/** The plan's writes, phase by phase; on failure, the undo. */
async function applySteps(client: AdminClient, plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
  const done: PlanStep[] = [];
  const uncertain: PlanStep[] = [];
  let failure: SyncErrorData | null = null;
  for (const phase of planPhases(plan)) {
    // A phase is one kind's steps.
    const kind = kindNamed(phase[0]!.kind);
    const error = await runBounded(
      phase,
      ctx.concurrency,
      async (step) => {
        try {
          await write(client, kind, step);
          done.push(step);
          ctx.onWrites?.(1);
        } catch (e) {
          if (!definitelyNotApplied(e)) uncertain.push(step);
          throw e;
        }
      },
      ctx.signal,
    );
    if (error !== undefined) {
      failure = errorData(error, client.target);
      break;
    }
    if (ctx.signal?.aborted === true && done.length < plan.steps.length) {
      failure = interruptedError(client.target, ctx.signal, done.length, plan.steps.length);
      break;
    }
  }
  if (failure === null) return { ok: true, writes: done.length };
  const restore = await restoreSteps(client, done, uncertain, ctx.concurrency);
  return { ok: false, writes: done.length, error: failure, restore };
}

/**
 * Whether a failed step left its object as it was before the run: a created object is absent, an
 * updated or deleted one holds its old body (server fields aside). Unknown (false) when the
 * object cannot be read.
 */
async function unchangedSince(client: AdminClient, step: PlanStep): Promise<boolean> {
  const kind = kindNamed(step.kind);
  try {
    const res = await client.request({ method: 'GET', path: objectPath(kind, step.id), allow: [404] });
    if (step.op === 'create') return res.status === 404;
    const value = typeof res.body === 'object' && res.body !== null ? (res.body as { value?: unknown }).value : undefined;
    if (res.status === 404 || typeof value !== 'object' || value === null) return false;
    return canonicalJson(putBody(kind, value as ApisixObject)) === canonicalJson(putBody(kind, step.before));
  } catch {
    return false;
  }
}

/**
 * Undoes a failed run from the state read before it (each step's `before`): `done` are writes
 * the gateway acknowledged; `uncertain` failed in a way that does not prove nothing happened (a
 * 5xx, a timeout, a dropped connection), so each is read first and undone only if it changed.
 * 1. put back the old body of every updated or deleted object, kind by kind in `KINDS` order
 *    (upstreams → services → routes), so each old object finds the objects it refers to;
 * 2. delete every created object, in the reverse order (404 counts as done).
 * Old objects only refer to old objects, so after step 1 nothing refers to a created one. A kind
 * with an early delete (`PlanStep.early`) has its created objects deleted before its old ones
 * are put back: nothing refers to them (global rules), and the gateway refuses both at once.
 * Every undo request is tried, whatever happened to the others.
 */
export async function restoreSteps(
  client: AdminClient,
  done: readonly PlanStep[],
  uncertain: readonly PlanStep[],
  concurrency: number,
): Promise<RestoreReport> {
  const changed = [...done];
  await runBounded(uncertain, concurrency, async (step) => {
    if (!(await unchangedSince(client, step))) changed.push(step);
  });
  if (changed.length === 0) return { attempted: false, ok: true, failures: [] };

  const failures: Array<RestoreReport['failures'][number]> = [];
  const attempt = async (run: () => Promise<void>): Promise<void> => {
    try {
      await run();
    } catch (error) {
      const data = errorData(error, client.target);
      failures.push({
        request: data.request ?? { method: '?', path: '?', status: null, attempts: 0 },
        message: data.message,
      });
    }
  };
  const deleteCreated = (kind: (typeof KINDS)[number]) =>
    runBounded(
      changed.filter((s) => s.kind === kind.name && s.op === 'create'),
      concurrency,
      (step) => attempt(async () => void (await client.request({ method: 'DELETE', path: objectPath(kind, step.id), allow: [404] }))),
    );
  // A kind with an early delete (a retired global rule that holds a plugin its replacement holds,
  // docs/adoption.md): its created objects go first, or the gateway refuses the old one back.
  const early = new Set(changed.filter((s) => s.op === 'delete' && s.early === true).map((s) => s.kind));
  for (const kind of KINDS) {
    if (early.has(kind.name)) await deleteCreated(kind);
    const putBack = changed.filter((s) => s.kind === kind.name && s.op !== 'create');
    await runBounded(putBack, concurrency, (step) =>
      attempt(async () => {
        if (step.op === 'create') return;
        await client.request({ method: 'PUT', path: objectPath(kind, step.id), body: putBody(kind, step.before) });
      }),
    );
  }
  for (const kind of KINDS_TO_DELETE) if (!early.has(kind.name)) await deleteCreated(kind);
  return { attempted: true, ok: failures.length === 0, failures };
}
