import type { CanaryRolloutOutcome, CanaryStep } from '../../app/canary-rollout.js';
import { renderRollout } from './sync.js';

type RolledOut = Extract<CanaryRolloutOutcome, { kind: 'rolled-out' }>;

/** A step as it finished: the weight everywhere and what the checks said, or where it failed. */
export function stepLine(step: CanaryStep): string {
  const report = step.report;
  if (report === null) return `step ${step.weight}%: setting the canary's weight on every gateway`;
  const probes = report.targets.flatMap((t) => t.checks ?? []);
  const checks = probes.length === 0 ? 'no checks configured' : `${probes.filter((c) => c.ok).length} of ${probes.length} checks passed`;
  if (report.ok) return `step ${step.weight}%: every gateway at ${step.weight}%; ${checks}`;
  const failed = report.halted?.failed ?? report.targets.filter((t) => t.status !== 'applied' && t.status !== 'in-sync').map((t) => t.target);
  return `step ${step.weight}%: FAILED on ${failed.join(', ') || 'the fleet'}; ${checks}`;
}

/**
 * The rollout, step by step; a failed step's sync report in full, and the reset that followed;
 * at 100% the edit that makes the canary the primary.
 */
export function renderCanaryRollout(outcome: RolledOut): string {
  const lines = [`${outcome.group}: rollout of ${outcome.service}'s canary from ${outcome.from}%`];
  for (const step of outcome.steps) {
    lines.push(`  ${stepLine(step)}`);
    if (step.report !== null && !step.report.ok) lines.push(...renderRollout(step.report).trimEnd().split('\n').map((l) => `    ${l}`));
  }
  switch (outcome.result) {
    case 'complete':
      lines.push(outcome.steps.length === 0 ? `${outcome.service}'s canary is already at ${outcome.weight}%, its last step` : `${outcome.service}'s canary takes ${outcome.weight}% on every gateway`);
      if (outcome.promote !== null) {
        lines.push(`To make the canary the primary, commit this in ${outcome.promote.file} (then sync):`, ...outcome.promote.text.trimEnd().split('\n').map((l) => `  ${l}`));
      }
      break;
    case 'failed':
      lines.push(
        outcome.reset?.ok === true
          ? `the canary's weight is back to 0% on every gateway; fix the canary and run the rollout again`
          : `setting the canary's weight back to 0% did not reach every gateway: run the rollout again once they can be reached, or remove steps: from the canary for one sync (which writes its committed weight)`,
      );
      if (outcome.reset !== null && !outcome.reset.ok) lines.push(...renderRollout(outcome.reset).trimEnd().split('\n').map((l) => `    ${l}`));
      break;
    case 'deadline':
      lines.push(`the deadline passed before the next step; the canary stays at ${outcome.weight}% (tagway rollout resumes from there)`);
      break;
    case 'stopped':
      lines.push(`stopped; the canary stays at ${outcome.weight}% (tagway rollout resumes from there)`);
      break;
  }
  return `${lines.join('\n')}\n`;
}
