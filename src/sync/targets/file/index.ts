import { resolve } from 'node:path';
import type { ApisixObject } from '../../../model/apisix.js';
import { configOf } from '../../../apisix/kinds/index.js';
import type { FileTargetSpec } from '../../../model/target.js';
import type { Plan } from '../../plan.js';
import type { ApplyContext, ApplyReport, LiveState, Target } from '../port.js';
import { applyFilePlan } from './apply.js';
import { readStandaloneFile } from './read.js';
import { referrersIn, type Referrer } from '../../referrers.js';
import { safeTargetPath } from './safe-path.js';

function withStringId(obj: ApisixObject): ApisixObject {
  return typeof obj.id === 'string' ? obj : { ...obj, id: String(obj.id) };
}

/** A `file` target: an APISIX standalone `apisix.yaml`, `path` resolved against `root`. */
export class FileTarget implements Target {
  readonly kind = 'file' as const;
  /** One write of the whole configuration: retirements go with the steps (docs/adoption.md). */
  readonly writesWhole = true;
  readonly name: string;
  readonly path: string;
  private readonly root: string;
  private readonly relPath: string;

  constructor(spec: FileTargetSpec, root: string) {
    this.name = spec.name;
    this.root = root;
    this.relPath = spec.path;
    this.path = resolve(root, spec.path);
  }

  async read(): Promise<LiveState> {
    await safeTargetPath(this.name, this.root, this.relPath);
    const { config } = await readStandaloneFile(this.name, this.path);
    return { config: configOf((kind) => config[kind.name].map(withStringId)), digest: null };
  }

  /** From the file's other top-level keys (`stream_routes`, `plugin_configs`, …), read again. */
  async readReferrers(): Promise<readonly Referrer[]> {
    await safeTargetPath(this.name, this.root, this.relPath);
    return referrersIn((await readStandaloneFile(this.name, this.path)).others);
  }

  async apply(plan: Plan, ctx: ApplyContext): Promise<ApplyReport> {
    await safeTargetPath(this.name, this.root, this.relPath);
    const report = await applyFilePlan(this.name, this.path, plan, ctx.signal);
    // One write of the file makes every step.
    if (report.ok) ctx.onWrites?.(plan.steps.length);
    return report;
  }

  async close(): Promise<void> {}
}
