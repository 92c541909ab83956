/**
 * The GitHub workflows and the composite action: they parse, they call only commands and flags
 * tagway has, and their steps do what they say when run (by test/support/workflow-runner.ts)
 * against scratch repositories, with a fake GitHub API for the pull-request comment.
 * Runs the built CLI through the action (`npm test` builds first).
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { parse, parseDocument } from 'yaml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeExampleRepo, PROJECT_ROOT } from './support/example-repo.js';
import type { FakeGitHub } from './support/fake-github.js';
import { startFakeGitHub } from './support/fake-github.js';
import type { TempRepo } from './support/git-repo.js';
import type { Value } from './support/workflow-expressions.js';
import type { JobResult, RunWorkflowOptions, StepResult } from './support/workflow-runner.js';
import { runWorkflow } from './support/workflow-runner.js';

/**
 * What the workflows call that tagway does not have yet: command → the flags the workflows use
 * with it that are still to come (all of them, for a command that does not exist yet). Only these
 * may be missing; everything else is checked against src/cli/commands. Once a listed command or
 * flag exists, the test fails until it is taken off this list, so empty it as they land.
 */
const PLANNED_COMMANDS: Readonly<Record<string, readonly string[]>> = {};

const WORKFLOWS = path.join(PROJECT_ROOT, '.github/workflows');
const CONFIG_WORKFLOWS = ['config-pr.yml', 'config-release.yml', 'config-deploy.yml', 'drift.yml'];
const ACTION = path.join(PROJECT_ROOT, 'action.yml');

const hasJq = (() => {
  try {
    execFileSync('jq', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

type Step = { name?: string; id?: string; uses?: string; run?: string; shell?: string; with?: Record<string, unknown> };
type Job = { 'runs-on'?: string; steps?: Step[]; environment?: unknown; needs?: unknown };

function load(file: string): { jobs?: Record<string, Job>; runs?: { using: string; steps: Step[] }; on?: unknown; name?: string } {
  return parse(fs.readFileSync(file, 'utf8'));
}

function allSteps(file: string): Step[] {
  const doc = load(file);
  if (doc.runs) return doc.runs.steps;
  return Object.values(doc.jobs ?? {}).flatMap((job) => job.steps ?? []);
}

interface FlagSpec {
  readonly type: 'option' | 'boolean';
  readonly char?: string;
  readonly options?: readonly string[];
}

/** The commands of src/cli/commands with their flags (their own, the base flags and --help). */
async function realCommands(): Promise<Map<string, Map<string, FlagSpec>>> {
  const dir = path.join(PROJECT_ROOT, 'src/cli/commands');
  const out = new Map<string, Map<string, FlagSpec>>();
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const mod = (await import(path.join(dir, file))) as { default: { flags?: Record<string, FlagSpec>; baseFlags?: Record<string, FlagSpec> } };
    const flags = new Map<string, FlagSpec>(Object.entries({ ...mod.default.baseFlags, ...mod.default.flags }));
    flags.set('help', { type: 'boolean' });
    out.set(file.slice(0, -3), flags);
  }
  return out;
}

interface Invocation {
  readonly where: string;
  readonly command: string;
  /** Flag tokens as written (`--format`, `-C`) with the literal value that follows, if any. */
  readonly args: readonly string[];
}

/** Splits a shell line after `tagway` into words, up to a pipe, redirection or command separator. */
function shellWords(rest: string): string[] {
  const words: string[] = [];
  for (const raw of rest.match(/"[^"]*"|'[^']*'|\S+/g) ?? []) {
    if (/^(\||>|>>|<|;|&&|\|\||\))/.test(raw) || /^\d?>/.test(raw)) break;
    words.push(raw.replace(/^["']|["']$/g, ''));
  }
  return words;
}

/** Every tagway invocation of the workflows and the action: in `run:` scripts, and as `uses: ./` inputs. */
function invocations(): Invocation[] {
  const out: Invocation[] = [];
  for (const file of [...CONFIG_WORKFLOWS.map((f) => path.join(WORKFLOWS, f)), ACTION]) {
    for (const step of allSteps(file)) {
      const where = `${path.basename(file)}: ${step.name ?? step.uses ?? step.run?.split('\n')[0]}`;
      for (const line of (step.run ?? '').split('\n')) {
        const code = line.replace(/(^|\s)#.*$/, '');
        const match = /(?:^|\$\(|[|;&]|\b(?:then|else|do)\b)\s*tagway\s+(.*)$/.exec(code);
        if (!match) continue;
        const [command, ...args] = shellWords(match[1]!);
        out.push({ where, command: command!, args });
      }
      if (step.uses?.startsWith('./') && typeof step.with?.['command'] === 'string' && step.with['command'] !== '') {
        const args = String(step.with['args'] ?? '').split(/\s+/).filter(Boolean);
        if (step.with['group'] !== undefined) args.push('--group', String(step.with['group']));
        out.push({ where, command: step.with['command'], args });
      }
    }
  }
  return out;
}

describe('workflow files', () => {
  for (const file of [...fs.readdirSync(WORKFLOWS).map((f) => path.join(WORKFLOWS, f)), ACTION]) {
    it(`${path.relative(PROJECT_ROOT, file)} is valid YAML with jobs (or composite steps) whose steps run or use something`, () => {
      const doc = parseDocument(fs.readFileSync(file, 'utf8'), { uniqueKeys: true });
      expect(doc.errors).toEqual([]);
      expect(doc.warnings).toEqual([]);
      const spec = load(file);
      expect(typeof spec.name).toBe('string');
      if (file === ACTION) {
        expect(spec.runs?.using).toBe('composite');
        for (const step of spec.runs!.steps) {
          expect(Boolean(step.run) !== Boolean(step.uses)).toBe(true);
          if (step.run) expect(step.shell).toBe('bash');
        }
        return;
      }
      expect(spec.on).toBeDefined();
      for (const job of Object.values(spec.jobs ?? {})) {
        expect(job['runs-on']).toBeDefined();
        for (const step of job.steps ?? []) expect(Boolean(step.run) !== Boolean(step.uses)).toBe(true);
      }
    });
  }

  it('the config workflows call only existing commands and flags (or planned ones)', async () => {
    const commands = await realCommands();
    const found = invocations();
    expect(new Set(found.map((i) => i.command))).toEqual(new Set(['validate', 'compile', 'diff', 'sync', 'status']));
    for (const { where, command, args } of found) {
      const flags = commands.get(command);
      const planned = PLANNED_COMMANDS[command] ?? [];
      if (!flags) expect(PLANNED_COMMANDS, `${where}: tagway ${command} is neither a command nor planned`).toHaveProperty(command);
      for (let i = 0; i < args.length; i++) {
        const arg = args[i]!;
        if (!arg.startsWith('-')) continue;
        const name = arg.startsWith('--') ? arg.slice(2).split('=')[0]! : [...(flags ?? [])].find(([, f]) => f.char === arg.slice(1))?.[0];
        const flag = name === undefined ? undefined : flags?.get(name);
        if (flag === undefined) {
          expect(planned, `${where}: tagway ${command} has no flag ${arg}, and it is not planned`).toContain(name);
          continue;
        }
        if (flag.type === 'option') {
          const value = arg.includes('=') ? arg.split('=').slice(1).join('=') : args[++i];
          expect(value, `${where}: ${arg} needs a value`).toBeDefined();
          const literal = value !== undefined && !value.includes('$');
          if (literal && flag.options) expect(flag.options, `${where}: ${arg} ${value}`).toContain(value);
        }
      }
    }
  });

  it('PLANNED_COMMANDS lists only what the workflows call and tagway does not have yet', async () => {
    const commands = await realCommands();
    const called = invocations();
    for (const [command, flags] of Object.entries(PLANNED_COMMANDS)) {
      expect(called.map((i) => i.command)).toContain(command);
      const real = commands.get(command);
      if (!real) continue;
      for (const flag of flags) expect(real.has(flag), `tagway ${command} --${flag} exists now: take it off PLANNED_COMMANDS`).toBe(false);
    }
  });

  it('production syncs behind a GitHub environment, one sync per group at a time', () => {
    for (const file of ['config-release.yml', 'config-deploy.yml']) {
      const sync = load(path.join(WORKFLOWS, file)).jobs!['sync'] as Job & { concurrency?: { group: string; 'cancel-in-progress': boolean } };
      expect(sync.environment).toBe('${{ matrix.group }}');
      expect(sync.concurrency).toEqual({ group: 'tagway-sync-${{ matrix.group }}', 'cancel-in-progress': false });
    }
  });

  it('every job that syncs a group queues behind any other sync of that group, in every workflow, and is never cancelled', () => {
    const syncing: string[] = [];
    for (const file of fs.readdirSync(WORKFLOWS)) {
      for (const [id, job] of Object.entries(load(path.join(WORKFLOWS, file)).jobs ?? {})) {
        const groups = new Set<string>();
        for (const step of job.steps ?? []) {
          if (step.uses?.startsWith('./') && step.with?.['command'] === 'sync') groups.add(String(step.with['group'] ?? ''));
          for (const line of (step.run ?? '').split('\n')) {
            const match = /\btagway\s+sync\b.*--group[ =]("?)([^\s"]+)\1/.exec(line.replace(/(^|\s)#.*$/, ''));
            if (match !== null) groups.add(match[2]!);
          }
        }
        if (groups.size === 0) continue;
        const where = `${file}: job ${id}`;
        syncing.push(where);
        // One group per job, so that the job's concurrency group names it (a job syncing several would hold them all).
        expect([...groups], where).toHaveLength(1);
        const group = [...groups][0]!;
        expect(group, `${where} names the group it syncs`).not.toBe('');
        expect((job as Job & { concurrency?: unknown }).concurrency, where).toEqual({ group: `tagway-sync-${group}`, 'cancel-in-progress': false });
      }
    }
    expect(syncing.sort()).toEqual(['config-deploy.yml: job sync', 'config-release.yml: job sync']);
  });
});

function step(job: JobResult, name: string): StepResult {
  const found = job.steps.find((s) => s.name === name || s.id === name);
  if (!found) throw new Error(`no step ${name} in ${job.steps.map((s) => s.name).join(', ')}`);
  return found;
}

function only(jobs: readonly JobResult[], id: string): JobResult {
  const found = jobs.filter((j) => j.id === id);
  expect(found).toHaveLength(1);
  return found[0]!;
}

describe.skipIf(!hasJq)('workflows run locally against a scratch repository', () => {
  let repo: TempRepo;
  let github: FakeGitHub | null = null;
  beforeEach(() => {
    repo = makeExampleRepo();
  });
  afterEach(async () => {
    repo.cleanup();
    await github?.close();
    github = null;
  });

  function pullRequest(number: number, base: string, head: string): Pick<RunWorkflowOptions, 'event' | 'github'> {
    return {
      event: {
        name: 'pull_request',
        payload: { number, pull_request: { number, base: { sha: base, ref: 'main' }, head: { sha: head, ref: 'change' } }, repository: { default_branch: 'main' } },
      },
      github: { sha: head, ref: `refs/pull/${number}/merge`, ref_name: `${number}/merge`, base_ref: 'main', head_ref: 'change' },
    };
  }

  it('config-pr validates, posts the diff as one comment and updates it on the next push', async () => {
    github = await startFakeGitHub({ pageSize: 2 });
    github.seed(7, 'Looks good to me');
    github.seed(7, 'Please also update the docs');
    github.seed(8, 'another pull request');
    const main = repo.revParse('main');
    repo.git('checkout', '--quiet', '-b', 'change');
    repo.write('gateway-groups/production/group.yaml', repo.read('gateway-groups/production/group.yaml').replace('petstore: 1.0.0', 'petstore: 1.1.0'));
    const first = repo.commit('promote petstore 1.1.0 to production');
    const run = (head: string) => runWorkflow({ workflow: path.join(WORKFLOWS, 'config-pr.yml'), workspace: repo.dir, ...pullRequest(7, main, head), env: { GITHUB_API_URL: github!.url } });

    const result = await run(first);
    const review = only(result.jobs, 'review');
    expect(review.result).toBe('success');
    expect(step(review, 'validate').outcome).toBe('success');
    const ours = github.comments.filter((c) => c.body.startsWith('<!-- tagway-comment: tagway-diff -->'));
    expect(ours).toHaveLength(1);
    expect(ours[0]!.issue).toBe(7);
    expect(ours[0]!.body).toContain('#### `production`: changes');
    expect(ours[0]!.body).toContain('| `petstore` | 1.0.0 → 1.1.0 | 1 | 0 | 0 | 1 |');
    expect(ours[0]!.body).toContain('#### `staging`: no changes');
    expect(review.summary).toContain('### tagway diff');

    repo.write('gateway-groups/staging/services/orders.yaml', repo.read('gateway-groups/staging/services/orders.yaml').replace('10.10.2.11', '10.10.2.21'));
    const second = repo.commit('move an orders instance in staging');
    expect(only((await run(second)).jobs, 'review').result).toBe('success');
    const updated = github.comments.filter((c) => c.body.startsWith('<!-- tagway-comment: tagway-diff -->'));
    expect(updated).toHaveLength(1);
    expect(updated[0]!.id).toBe(ours[0]!.id);
    expect(updated[0]!.body).toContain('#### `staging`: changes');
    expect(github.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(github.comments.filter((c) => c.issue === 7)).toHaveLength(3);
  });

  it('config-pr annotates findings, still comments, and fails', async () => {
    github = await startFakeGitHub();
    const main = repo.revParse('main');
    repo.write('gateway-groups/staging/group.yaml', repo.read('gateway-groups/staging/group.yaml').replace('orders: 1.0.0', 'orders: 9.9.9'));
    const head = repo.commit('pin a version that does not exist');
    const result = await runWorkflow({ workflow: path.join(WORKFLOWS, 'config-pr.yml'), workspace: repo.dir, ...pullRequest(9, main, head), env: { GITHUB_API_URL: github.url } });
    const review = only(result.jobs, 'review');
    expect(review.result).toBe('failure');
    const validate = step(review, 'validate');
    expect(validate.outcome).toBe('failure');
    expect(validate.conclusion).toBe('success');
    expect(validate.stdout).toMatch(/^::error file=gateway-groups\/staging\/group\.yaml,line=\d+,col=\d+,title=tagway TW\d+::/m);
    expect(step(review, 'Fail on validation errors').outcome).toBe('failure');
    expect(github.comments).toHaveLength(1);
    expect(github.comments[0]!.body).toContain('no diff, the configuration does not compile');
  });

  it('config-pr on a pull request from a fork (read-only token) warns instead of failing on the comment', async () => {
    github = await startFakeGitHub({ readOnly: true });
    const main = repo.revParse('main');
    const result = await runWorkflow({ workflow: path.join(WORKFLOWS, 'config-pr.yml'), workspace: repo.dir, ...pullRequest(3, main, main), env: { GITHUB_API_URL: github.url } });
    const review = only(result.jobs, 'review');
    expect(review.result).toBe('success');
    expect(step(review, 'Diff against the base branch').stdout).toContain('::warning title=tagway::could not write the pull-request comment (403)');
  });

  it('config-release finds the groups whose pins resolve to the pushed tag, and syncs each in its environment', async () => {
    repo.write('services/petstore/service.yaml', repo.read('services/petstore/service.yaml').replace('retries: 2', 'retries: 3'));
    repo.commit('petstore: retry once more');
    const tagged = repo.revParse('HEAD');
    repo.tag('petstore/v1.2.0', { message: 'petstore 1.2.0' });
    repo.git('checkout', '--quiet', '--detach', 'HEAD~1'); // GitHub checks out the tag; the workflow moves to main itself
    const ref = 'refs/tags/petstore/v1.2.0';
    const result = await runWorkflow({
      workflow: path.join(WORKFLOWS, 'config-release.yml'),
      workspace: repo.dir,
      event: { name: 'push', payload: { ref, after: tagged, repository: { default_branch: 'main' } } },
      github: { sha: tagged, ref, ref_name: 'petstore/v1.2.0', ref_type: 'tag' },
      planOnly: ['sync'],
    });
    const plan = only(result.jobs, 'plan');
    expect(plan.result).toBe('success');
    expect(step(plan, 'Validate the tagged template').outcome).toBe('success');
    expect(JSON.parse(plan.outputs['groups']!)).toEqual(['staging']);
    expect(plan.outputs['commit']).toBe(repo.revParse('main'));
    const sync = result.jobs.filter((j) => j.id === 'sync');
    expect(sync.map((j) => [j.result, j.matrix, j.environment])).toEqual([['planned', { group: 'staging' }, 'staging']]);
  });

  it('config-deploy syncs the groups whose snapshot a push changes, production behind its environment', async () => {
    const before = repo.revParse('main');
    repo.write('gateway-groups/production/group.yaml', repo.read('gateway-groups/production/group.yaml').replace('petstore: 1.0.0', 'petstore: 1.1.0'));
    repo.write('gateway-groups/staging/group.yaml', `${repo.read('gateway-groups/staging/group.yaml')}# a comment changes no snapshot\n`);
    const after = repo.commit('promote petstore 1.1.0 to production');
    const push = (from: string) =>
      runWorkflow({
        workflow: path.join(WORKFLOWS, 'config-deploy.yml'),
        workspace: repo.dir,
        event: { name: 'push', payload: { ref: 'refs/heads/main', before: from, after, repository: { default_branch: 'main' } } },
        github: { sha: after, ref: 'refs/heads/main', ref_name: 'main', ref_type: 'branch' },
        planOnly: ['sync'],
      });
    const result = await push(before);
    const plan = only(result.jobs, 'plan');
    expect(plan.result).toBe('success');
    expect(JSON.parse(plan.outputs['groups']!)).toEqual(['production']);
    expect(plan.summary).toContain('| `petstore` | 1.0.0 → 1.1.0 |');
    expect(result.jobs.filter((j) => j.id === 'sync').map((j) => [j.matrix, j.environment])).toEqual([[{ group: 'production' }, 'production']]);

    // A new branch (no previous head): every group syncs.
    const fresh = await push('0000000000000000000000000000000000000000');
    expect(JSON.parse(only(fresh.jobs, 'plan').outputs['groups']!)).toEqual(['production', 'staging']);
  });

  it('drift checks every group on schedule, or the one asked for', async () => {
    const run = (name: string, payload: Record<string, Value>) =>
      runWorkflow({ workflow: path.join(WORKFLOWS, 'drift.yml'), workspace: repo.dir, event: { name, payload }, github: { sha: repo.revParse('HEAD'), ref: 'refs/heads/main', ref_name: 'main' }, planOnly: ['status'] });
    const scheduled = await run('schedule', { schedule: '23 * * * *' });
    expect(JSON.parse(only(scheduled.jobs, 'groups').outputs['groups']!)).toEqual(['production', 'staging']);
    expect(scheduled.jobs.filter((j) => j.id === 'status').map((j) => j.matrix)).toEqual([{ group: 'production' }, { group: 'staging' }]);
    const dispatched = await run('workflow_dispatch', { inputs: { group: 'staging' } });
    expect(dispatched.jobs.filter((j) => j.id === 'status').map((j) => j.matrix)).toEqual([{ group: 'staging' }]);
  });

  it('stay off in a repository that has not opted in (tagway\'s own), with no job failing', async () => {
    const result = await runWorkflow({
      workflow: path.join(WORKFLOWS, 'drift.yml'),
      workspace: repo.dir,
      event: { name: 'schedule', payload: { schedule: '23 * * * *' } },
      github: { sha: repo.revParse('HEAD'), ref: 'refs/heads/main', ref_name: 'main' },
      vars: { TAGWAY_CONFIG_REPO: '' },
      planOnly: ['status'],
    });
    expect(result.jobs.length).toBeGreaterThan(0);
    expect(result.jobs.every((j) => j.result === 'skipped')).toBe(true);
  });
});
