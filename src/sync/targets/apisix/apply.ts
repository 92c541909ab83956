import type { ApisixKind, ApisixObject } from '../../../model/apisix.js';
import { SyncError, errorData, type SyncErrorData } from '../../errors.js';
import { stripServerFields } from '../../normalize.js';
import { planPhases, type Plan, type PlanStep } from '../../plan.js';
import { runBounded } from '../../run-bounded.js';
import type { ApplyContext, ApplyReport, RestoreReport } from '../port.js';
import type { AdminClient } from './client.js';

export function objectPath(kind: ApisixKind, id: string): string {
  return `/apisix/admin/${kind}/${encodeURIComponent(id)}`;
}

/** PUT body: the object without `id` (the path carries it) and without server fields. */
export function putBody(obj: ApisixObject): Record<string, unknown> {
  const { id: _id, ...body } = stripServerFields(obj);
  return body;
}

async function write(client: AdminClient, step: PlanStep): Promise<void> {
  const path = objectPath(step.kind, step.id);
  if (step.op === 'delete') await client.request({ method: 'DELETE', path, allow: [404] });
  else await client.request({ method: 'PUT', path, body: putBody(step.after) });
}

/** A failure after which the gateway certainly did not apply the request (it said so). */
function definitelyNotApplied(error: unknown): boolean {
  return error instanceof SyncError && (error.code === 'rejected' || error.code === 'auth');
}

/**
 * Executes a plan against the Admin API phase by phase (see `planPhases`), `ctx.concurrency`
 * writes at a time within a phase. On the first persistent failure it stops starting writes, lets
 * those in flight finish, and undoes every write it started (see `restoreSteps`).
 */
export async function applyApisixPlan(client: AdminClient, plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
  const touched: PlanStep[] = [];
  let writes = 0;
  let failure: SyncErrorData | null = null;
  for (const phase of planPhases(plan)) {
    const error = await runBounded(phase, ctx.concurrency, async (step) => {
      try {
        await write(client, step);
        writes += 1;
        touched.push(step);
      } catch (e) {
        if (!definitelyNotApplied(e)) touched.push(step);
        throw e;
      }
    });
    if (error !== undefined) {
      failure = errorData(error, client.target);
      break;
    }
  }
  if (failure === null) return { ok: true, writes };
  const restore = await restoreSteps(client, touched, ctx.concurrency);
  return { ok: false, writes, error: failure, restore };
}

/**
 * Undoes `steps` (writes that happened, or may have: a timed-out request may still have been
 * applied) from the state read before the run:
 * 1. put back the old body of every updated or deleted object, upstreams → services → routes, so
 *    each old object finds the objects it refers to;
 * 2. delete every created object, routes → services → upstreams (404 counts as done).
 * Old objects only refer to old objects, so after step 1 nothing refers to a created one.
 * Every undo request is tried, whatever happened to the others.
 */
export async function restoreSteps(client: AdminClient, steps: readonly PlanStep[], concurrency: number): Promise<RestoreReport> {
  if (steps.length === 0) return { attempted: false, ok: true, failures: [] };
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
  const putBack = (kind: ApisixKind): PlanStep[] => steps.filter((s) => s.kind === kind && s.op !== 'create');
  const created = (kind: ApisixKind): PlanStep[] => steps.filter((s) => s.kind === kind && s.op === 'create');

  for (const kind of ['upstreams', 'services', 'routes'] as const) {
    await runBounded(putBack(kind), concurrency, (step) =>
      attempt(async () => {
        if (step.op === 'create') return;
        await client.request({ method: 'PUT', path: objectPath(step.kind, step.id), body: putBody(step.before) });
      }),
    );
  }
  for (const kind of ['routes', 'services', 'upstreams'] as const) {
    await runBounded(created(kind), concurrency, (step) =>
      attempt(async () => {
        await client.request({ method: 'DELETE', path: objectPath(step.kind, step.id), allow: [404] });
      }),
    );
  }
  return { attempted: true, ok: failures.length === 0, failures };
}
