/**
 * Runs a GitHub Actions workflow of this repository on this machine, against a scratch
 * repository that stands in for the job's checkout, so the workflows' shell steps are tested the
 * way they run on GitHub rather than read.
 *
 * What is real: every `run:` step (bash, with GitHub's flags for `shell: bash`), the steps of
 * the composite action `uses: ./` (action.yml), expressions, `if:` conditions, step and job
 * outputs, `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_PATH` / `GITHUB_STEP_SUMMARY`,
 * `continue-on-error`, `needs`, matrices (also `fromJSON` of a job output), `environment:`.
 *
 * What is substituted:
 * - the GitHub context: event name and payload (written to `GITHUB_EVENT_PATH`), sha, ref,
 *   repository, token (`fake-token`), API URL (point it at a test server with `env`);
 * - `uses: ./…` resolves against `actionPath` (the tagway source) instead of the workspace, since
 *   the scratch repository holds only configuration;
 * - `actions/checkout` is the workspace as it is, or `git checkout --detach <ref>` when the step
 *   names a `ref`; `actions/setup-node`, `actions/upload-artifact` and `actions/cache` do nothing.
 *   Any other action is an error;
 * - the process environment is built from scratch (PATH, HOME, temp folders and the variables
 *   GitHub sets), so a run inside a real Actions job never talks to the real repository.
 *
 * Jobs run one after the other in `needs` order, matrix legs in order. `planOnly` jobs are
 * evaluated (condition, matrix, environment) without running their steps.
 *
 * As a command: npx tsx test/support/workflow-runner.ts <workflow.yml> --workspace DIR
 *   [--event NAME] [--payload FILE.json] [--job ID]… [--plan-only ID]…
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse } from 'yaml';
import type { ExpressionContext, Value } from './workflow-expressions.js';
import { condition, interpolate, toText } from './workflow-expressions.js';

export interface RunWorkflowOptions {
  /** Path of the workflow file. */
  readonly workflow: string;
  /** The checked-out repository the jobs run in. */
  readonly workspace: string;
  /** Where `uses: ./` points: the tagway source (default: this project). */
  readonly actionPath?: string;
  readonly event: { readonly name: string; readonly payload: Readonly<Record<string, Value>> };
  /** Overrides of the `github` context (sha, ref, ref_name, repository, …). */
  readonly github?: Readonly<Record<string, Value>>;
  readonly secrets?: Readonly<Record<string, string>>;
  readonly vars?: Readonly<Record<string, string>>;
  /** Extra environment for every step (e.g. GITHUB_API_URL of a fake API). */
  readonly env?: Readonly<Record<string, string>>;
  /** Only these jobs run (default all); the others count as skipped. */
  readonly jobs?: readonly string[];
  /** These jobs are evaluated but their steps are not run. */
  readonly planOnly?: readonly string[];
  /** Called with each line of output as it happens. */
  readonly log?: (line: string) => void;
  /** Per-step time limit in milliseconds (default 120 s). */
  readonly stepTimeout?: number;
}

export type Outcome = 'success' | 'failure' | 'skipped';

export interface StepResult {
  readonly name: string;
  readonly id: string | null;
  /** Before continue-on-error. */
  readonly outcome: Outcome;
  /** After continue-on-error. */
  readonly conclusion: Outcome;
  readonly exitCode: number | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Readonly<Record<string, string>>;
  /** For `uses: ./`: the action's own steps. */
  readonly steps: readonly StepResult[];
}

export interface JobResult {
  readonly id: string;
  readonly name: string;
  readonly matrix: Readonly<Record<string, Value>> | null;
  readonly environment: string | null;
  /** `planned`: a `planOnly` job that would have run. */
  readonly result: Outcome | 'planned';
  readonly steps: readonly StepResult[];
  readonly outputs: Readonly<Record<string, string>>;
  /** What the steps wrote to GITHUB_STEP_SUMMARY. */
  readonly summary: string;
}

export interface WorkflowResult {
  readonly jobs: readonly JobResult[];
}

const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** Actions that stand for what the scratch workspace already provides. */
const NO_OP_ACTIONS = ['actions/setup-node', 'actions/upload-artifact', 'actions/cache'];

type Json = Record<string, unknown>;

interface StepSpec {
  readonly name?: string;
  readonly id?: string;
  readonly if?: string | boolean;
  readonly uses?: string;
  readonly run?: string;
  readonly with?: Readonly<Record<string, unknown>>;
  readonly env?: Readonly<Record<string, unknown>>;
  readonly shell?: string;
  readonly 'working-directory'?: string;
  readonly 'continue-on-error'?: boolean | string;
}

interface JobSpec {
  readonly name?: string;
  readonly needs?: string | readonly string[];
  readonly if?: string | boolean;
  readonly strategy?: { readonly matrix?: unknown };
  readonly environment?: string | { readonly name?: string };
  readonly env?: Readonly<Record<string, unknown>>;
  readonly defaults?: { readonly run?: { readonly shell?: string; readonly 'working-directory'?: string } };
  readonly outputs?: Readonly<Record<string, string>>;
  readonly steps?: readonly StepSpec[];
}

interface WorkflowSpec {
  readonly env?: Readonly<Record<string, unknown>>;
  readonly defaults?: JobSpec['defaults'];
  readonly jobs: Readonly<Record<string, JobSpec>>;
  readonly on?: unknown;
}

/** State of one job while it runs: the variables and PATH entries its steps added. */
interface JobState {
  readonly env: Record<string, string>;
  readonly path: string[];
  summary: string;
  readonly runnerTemp: string;
}

interface Scope {
  readonly options: RunWorkflowOptions;
  readonly contexts: Record<string, Value>;
  readonly job: JobState;
  readonly defaults: JobSpec['defaults'];
  /** Set inside a composite action. */
  readonly actionPath: string | null;
}

function asList(value: string | readonly string[] | undefined): string[] {
  return value === undefined ? [] : typeof value === 'string' ? [value] : [...value];
}

function expressionContext(scope: Scope, status: { success: boolean; failure: boolean }): ExpressionContext {
  return { contexts: scope.contexts, status };
}

function text(value: unknown, scope: Scope, status = { success: true, failure: false }): string {
  if (typeof value !== 'string') return value === undefined || value === null ? '' : String(value);
  return toText(interpolate(value, expressionContext(scope, status)));
}

function evaluatedMap(map: Readonly<Record<string, unknown>> | undefined, scope: Scope): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(map ?? {})) out[k] = text(v, scope);
  return out;
}

/** `name=value` lines and `name<<DELIMITER` blocks, as GITHUB_OUTPUT and GITHUB_ENV hold them. */
export function parseCommandFile(content: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = content.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.trim() === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const value: string[] = [];
      for (i++; i < lines.length && lines[i] !== heredoc[2]; i++) value.push(lines[i]!);
      out[heredoc[1]!] = value.join('\n');
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`malformed command file line: ${line}`);
    out[line.slice(0, eq)] = line.slice(eq + 1);
  }
  return out;
}

function shellCommand(shell: string | undefined, script: string): [string, string[]] {
  // GitHub: an unspecified shell is `bash -e {0}`; `shell: bash` is `bash --noprofile --norc -eo pipefail {0}`.
  if (shell === undefined) return ['bash', ['-e', script]];
  if (shell === 'bash') return ['bash', ['--noprofile', '--norc', '-eo', 'pipefail', script]];
  if (shell === 'sh') return ['sh', ['-e', script]];
  throw new Error(`unsupported shell: ${shell}`);
}

function baseEnvironment(scope: Scope): Record<string, string> {
  const g = scope.contexts['github'] as Record<string, Value>;
  const env: Record<string, string> = {
    PATH: [...scope.job.path, process.env['PATH'] ?? '/usr/bin:/bin'].join(path.delimiter),
    HOME: process.env['HOME'] ?? os.homedir(),
    TMPDIR: os.tmpdir(),
    LANG: 'C.UTF-8',
    CI: 'true',
    GITHUB_ACTIONS: 'true',
    GITHUB_WORKSPACE: scope.options.workspace,
    GITHUB_EVENT_NAME: toText(g['event_name'] ?? null),
    GITHUB_EVENT_PATH: toText(g['event_path'] ?? null),
    GITHUB_SHA: toText(g['sha'] ?? null),
    GITHUB_REF: toText(g['ref'] ?? null),
    GITHUB_REF_NAME: toText(g['ref_name'] ?? null),
    GITHUB_REF_TYPE: toText(g['ref_type'] ?? null),
    GITHUB_BASE_REF: toText(g['base_ref'] ?? null),
    GITHUB_HEAD_REF: toText(g['head_ref'] ?? null),
    GITHUB_REPOSITORY: toText(g['repository'] ?? null),
    GITHUB_REPOSITORY_OWNER: toText(g['repository_owner'] ?? null),
    GITHUB_RUN_ID: toText(g['run_id'] ?? null),
    GITHUB_RUN_NUMBER: toText(g['run_number'] ?? null),
    GITHUB_ACTOR: toText(g['actor'] ?? null),
    GITHUB_SERVER_URL: toText(g['server_url'] ?? null),
    GITHUB_API_URL: toText(g['api_url'] ?? null),
    RUNNER_OS: 'Linux',
    RUNNER_TEMP: scope.job.runnerTemp,
    ...scope.options.env,
    ...scope.job.env,
  };
  if (scope.actionPath !== null) env['GITHUB_ACTION_PATH'] = scope.actionPath;
  return env;
}

async function execute(command: string, args: string[], cwd: string, env: Record<string, string>, timeout: number, log: (line: string) => void): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), timeout);
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      for (const line of chunk.split('\n')) if (line) log(line);
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
      for (const line of chunk.split('\n')) if (line) log(line);
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function stepName(step: StepSpec, scope: Scope): string {
  if (step.name !== undefined) return text(step.name, scope);
  if (step.uses !== undefined) return step.uses;
  return (step.run ?? '').split('\n')[0] ?? '';
}

async function runScript(step: StepSpec, scope: Scope, stepEnv: Record<string, string>, statusNow: { success: boolean; failure: boolean }): Promise<Omit<StepResult, 'name' | 'id' | 'conclusion' | 'steps'>> {
  const temp = fs.mkdtempSync(path.join(scope.job.runnerTemp, 'step-'));
  const files = { output: path.join(temp, 'output'), env: path.join(temp, 'env'), path: path.join(temp, 'path'), summary: path.join(temp, 'summary') };
  for (const f of Object.values(files)) fs.writeFileSync(f, '');
  const script = path.join(temp, 'script.sh');
  fs.writeFileSync(script, text(step.run, scope, statusNow));
  const shell = step.shell ?? scope.defaults?.run?.shell;
  const [command, args] = shellCommand(shell === undefined ? undefined : text(shell, scope), script);
  const dir = step['working-directory'] ?? scope.defaults?.run?.['working-directory'];
  const cwd = dir === undefined ? scope.options.workspace : path.resolve(scope.options.workspace, text(dir, scope));
  const env = { ...baseEnvironment(scope), ...stepEnv, GITHUB_OUTPUT: files.output, GITHUB_ENV: files.env, GITHUB_PATH: files.path, GITHUB_STEP_SUMMARY: files.summary };
  const run = await execute(command, args, cwd, env, scope.options.stepTimeout ?? 120_000, scope.options.log ?? (() => {}));
  Object.assign(scope.job.env, parseCommandFile(fs.readFileSync(files.env, 'utf8')));
  for (const entry of fs.readFileSync(files.path, 'utf8').split('\n').reverse()) if (entry.trim()) scope.job.path.unshift(entry.trim());
  scope.job.summary += fs.readFileSync(files.summary, 'utf8');
  return { outcome: run.code === 0 ? 'success' : 'failure', exitCode: run.code, stdout: run.stdout, stderr: run.stderr, outputs: parseCommandFile(fs.readFileSync(files.output, 'utf8')) };
}

async function checkout(step: StepSpec, scope: Scope): Promise<Omit<StepResult, 'name' | 'id' | 'conclusion' | 'steps'>> {
  const ref = step.with?.['ref'] === undefined ? '' : text(step.with['ref'], scope);
  if (ref === '') return { outcome: 'success', exitCode: 0, stdout: '', stderr: '', outputs: {} };
  const run = await execute('git', ['checkout', '--quiet', '--detach', ref], scope.options.workspace, { ...baseEnvironment(scope) }, 60_000, scope.options.log ?? (() => {}));
  return { outcome: run.code === 0 ? 'success' : 'failure', exitCode: run.code, stdout: run.stdout, stderr: run.stderr, outputs: {} };
}

interface ActionSpec {
  readonly inputs?: Readonly<Record<string, { readonly default?: unknown; readonly required?: boolean }>>;
  readonly outputs?: Readonly<Record<string, { readonly value?: string }>>;
  readonly runs: { readonly using: string; readonly steps?: readonly StepSpec[] };
}

async function compositeAction(step: StepSpec, scope: Scope, stepEnv: Record<string, string>): Promise<Omit<StepResult, 'name' | 'id' | 'conclusion'>> {
  const dir = path.resolve(scope.options.actionPath ?? PROJECT_ROOT, step.uses!.replace(/^\.\/?/, ''));
  const spec = parse(fs.readFileSync(path.join(dir, 'action.yml'), 'utf8')) as ActionSpec;
  if (spec.runs.using !== 'composite') throw new Error(`${step.uses}: only composite actions are supported`);
  const given = evaluatedMap(step.with, scope);
  const inputs: Record<string, string> = {};
  for (const [name, input] of Object.entries(spec.inputs ?? {})) {
    inputs[name] = name in given ? given[name]! : text(input.default ?? '', scope);
  }
  for (const name of Object.keys(given)) if (!(name in inputs)) throw new Error(`${step.uses}: unknown input ${name}`);
  const github = { ...(scope.contexts['github'] as Record<string, Value>), action_path: dir };
  const inner: Scope = {
    options: scope.options,
    contexts: { ...scope.contexts, github, inputs, steps: {} },
    job: scope.job,
    defaults: undefined,
    actionPath: dir,
  };
  const results = await runSteps(spec.runs.steps ?? [], inner, stepEnv, true);
  const outputs: Record<string, string> = {};
  for (const [name, output] of Object.entries(spec.outputs ?? {})) outputs[name] = text(output.value ?? '', inner);
  const failed = results.some((r) => r.conclusion === 'failure');
  const last = [...results].reverse().find((r) => r.exitCode !== null);
  return {
    outcome: failed ? 'failure' : 'success',
    exitCode: failed ? (last?.exitCode ?? 1) : 0,
    stdout: results.map((r) => r.stdout).join(''),
    stderr: results.map((r) => r.stderr).join(''),
    outputs,
    steps: results,
  };
}

/** Runs steps in order, as a job (or a composite action) does; fills `steps.<id>` of the scope. */
async function runSteps(steps: readonly StepSpec[], scope: Scope, inheritedEnv: Record<string, string>, composite: boolean): Promise<StepResult[]> {
  const results: StepResult[] = [];
  const stepsContext = scope.contexts['steps'] as Record<string, Value>;
  let failed = false;
  for (const step of steps) {
    const status = { success: !failed, failure: failed };
    const name = stepName(step, scope);
    const id = step.id ?? null;
    if (composite && step.run !== undefined && step.shell === undefined) throw new Error(`composite step "${name}" needs a shell`);
    let result: Omit<StepResult, 'name' | 'id' | 'conclusion'>;
    if (!condition(step.if, expressionContext(scope, status))) {
      result = { outcome: 'skipped', exitCode: null, stdout: '', stderr: '', outputs: {}, steps: [] };
    } else {
      scope.options.log?.(`▶ ${name}`);
      const stepEnv = { ...inheritedEnv, ...evaluatedMap(step.env, scope) };
      if (step.run !== undefined) result = { ...(await runScript(step, scope, stepEnv, status)), steps: [] };
      else if (step.uses?.startsWith('./')) result = await compositeAction(step, scope, stepEnv);
      else if (step.uses?.startsWith('actions/checkout@')) result = { ...(await checkout(step, scope)), steps: [] };
      else if (NO_OP_ACTIONS.some((a) => step.uses?.startsWith(`${a}@`))) result = { outcome: 'success', exitCode: 0, stdout: '', stderr: '', outputs: {}, steps: [] };
      else throw new Error(`step "${name}": unsupported action ${step.uses ?? '(neither run nor uses)'}`);
    }
    const continueOnError = step['continue-on-error'] === true || (typeof step['continue-on-error'] === 'string' && text(step['continue-on-error'], scope) === 'true');
    const conclusion = result.outcome === 'failure' && continueOnError ? 'success' : result.outcome;
    if (conclusion === 'failure') failed = true;
    const full: StepResult = { name, id, conclusion, ...result };
    results.push(full);
    if (id !== null) stepsContext[id] = { outcome: full.outcome, conclusion: full.conclusion, outputs: { ...full.outputs } };
  }
  return results;
}

function matrixLegs(strategy: JobSpec['strategy'], scope: Scope): Record<string, Value>[] | null {
  const raw = strategy?.matrix;
  if (raw === undefined) return null;
  const matrix = typeof raw === 'string' ? interpolate(raw, expressionContext(scope, { success: true, failure: false })) : raw;
  if (typeof matrix !== 'object' || matrix === null || Array.isArray(matrix)) throw new Error('matrix must be a mapping');
  let legs: Record<string, Value>[] = [{}];
  for (const [key, spec] of Object.entries(matrix as Record<string, unknown>)) {
    if (key === 'include' || key === 'exclude') throw new Error(`matrix ${key} is not supported`);
    const values = typeof spec === 'string' ? interpolate(spec, expressionContext(scope, { success: true, failure: false })) : spec;
    if (!Array.isArray(values)) throw new Error(`matrix.${key} must be a list`);
    legs = legs.flatMap((leg) => values.map((v: Value) => ({ ...leg, [key]: v })));
  }
  return legs;
}

function jobOrder(jobs: Readonly<Record<string, JobSpec>>): string[] {
  const order: string[] = [];
  const visiting = new Set<string>();
  const visit = (id: string) => {
    if (order.includes(id)) return;
    if (visiting.has(id)) throw new Error(`jobs depend on each other in a cycle at ${id}`);
    const job = jobs[id];
    if (!job) throw new Error(`unknown job ${id} in needs`);
    visiting.add(id);
    for (const need of asList(job.needs)) visit(need);
    visiting.delete(id);
    order.push(id);
  };
  for (const id of Object.keys(jobs)) visit(id);
  return order;
}

/** Runs the workflow's jobs; see the module comment for what is real and what is substituted. */
export async function runWorkflow(options: RunWorkflowOptions): Promise<WorkflowResult> {
  const spec = parse(fs.readFileSync(options.workflow, 'utf8')) as WorkflowSpec;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-workflow-'));
  try {
    const eventPath = path.join(work, 'event.json');
    fs.writeFileSync(eventPath, JSON.stringify(options.event.payload));
    const github: Record<string, Value> = {
      event_name: options.event.name,
      event: options.event.payload as Value,
      event_path: eventPath,
      workspace: options.workspace,
      repository: 'example/config',
      repository_owner: 'example',
      token: 'fake-token',
      server_url: 'https://github.com',
      api_url: options.env?.['GITHUB_API_URL'] ?? 'https://api.github.invalid',
      run_id: '1',
      run_number: '1',
      actor: 'tagway-test',
      sha: '',
      ref: '',
      ref_name: '',
      ref_type: '',
      base_ref: '',
      head_ref: '',
      ...options.github,
    };
    const inputs: Record<string, Value> = {};
    const dispatch = (spec.on as { workflow_dispatch?: { inputs?: Record<string, { default?: Value }> } } | undefined)?.workflow_dispatch;
    for (const [name, input] of Object.entries(dispatch?.inputs ?? {})) inputs[name] = input.default ?? '';
    Object.assign(inputs, (options.event.payload['inputs'] as Record<string, Value> | undefined) ?? {});

    const needs: Record<string, { result: Outcome | 'planned'; outputs: Record<string, string> }> = {};
    const results: JobResult[] = [];
    for (const id of jobOrder(spec.jobs)) {
      const job = spec.jobs[id]!;
      const deps = asList(job.needs);
      const contexts: Record<string, Value> = {
        github,
        inputs,
        secrets: { GITHUB_TOKEN: 'fake-token', ...options.secrets },
        // A config repository unless a test says otherwise (the config workflows opt in with it).
        vars: { TAGWAY_CONFIG_REPO: 'true', ...options.vars },
        needs: Object.fromEntries(deps.map((d) => [d, needs[d] ?? { result: 'skipped', outputs: {} }])),
        runner: { os: 'Linux', temp: '' },
        env: {},
        steps: {},
        matrix: {},
      };
      const runnerTemp = fs.mkdtempSync(path.join(work, `${id}-`));
      const jobState: JobState = { env: {}, path: [], summary: '', runnerTemp };
      (contexts['runner'] as Record<string, Value>)['temp'] = runnerTemp;
      const depsOk = deps.every((d) => needs[d]?.result === 'success' || needs[d]?.result === 'planned');
      const scope: Scope = { options, contexts, job: jobState, defaults: job.defaults ?? spec.defaults, actionPath: null };
      const selected = options.jobs === undefined || options.jobs.includes(id);
      const runs = selected && condition(job.if, { contexts, status: { success: depsOk, failure: !depsOk } });
      const legs = runs ? (matrixLegs(job.strategy, scope) ?? [null]) : [null];
      let jobResult: Outcome | 'planned' = runs ? 'success' : 'skipped';
      let outputs: Record<string, string> = {};
      for (const matrix of legs) {
        const legTemp = fs.mkdtempSync(path.join(runnerTemp, 'leg-'));
        const legState: JobState = { env: {}, path: [], summary: '', runnerTemp: legTemp };
        const legContexts: Record<string, Value> = { ...contexts, matrix: matrix ?? {}, steps: {}, runner: { os: 'Linux', temp: legTemp } };
        const legScope: Scope = { ...scope, contexts: legContexts, job: legState };
        legContexts['env'] = { ...evaluatedMap(spec.env, legScope), ...evaluatedMap(job.env, legScope) };
        Object.assign(legState.env, legContexts['env'] as Record<string, string>);
        const environment = job.environment === undefined ? null : text(typeof job.environment === 'string' ? job.environment : (job.environment.name ?? ''), legScope);
        const name = job.name === undefined ? id : text(job.name, legScope);
        if (!runs) {
          results.push({ id, name, matrix, environment, result: 'skipped', steps: [], outputs: {}, summary: '' });
          continue;
        }
        if (options.planOnly?.includes(id)) {
          results.push({ id, name, matrix, environment, result: 'planned', steps: [], outputs: {}, summary: '' });
          jobResult = 'planned';
          continue;
        }
        options.log?.(`■ job ${name}`);
        const steps = await runSteps(job.steps ?? [], legScope, {}, false);
        const result: Outcome = steps.some((s) => s.conclusion === 'failure') ? 'failure' : 'success';
        outputs = evaluatedMap(job.outputs, legScope);
        if (result === 'failure') jobResult = 'failure';
        results.push({ id, name, matrix, environment, result, steps, outputs, summary: legState.summary });
      }
      needs[id] = { result: jobResult, outputs };
    }
    return { jobs: results };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

async function main(argv: readonly string[]): Promise<number> {
  const [workflow, ...rest] = argv;
  if (workflow === undefined) {
    process.stderr.write('usage: workflow-runner.ts <workflow.yml> --workspace DIR [--event NAME] [--payload FILE] [--job ID]… [--plan-only ID]…\n');
    return 2;
  }
  let workspace = process.cwd();
  let event = 'push';
  let payload: Record<string, Value> = {};
  const jobs: string[] = [];
  const planOnly: string[] = [];
  for (let i = 0; i < rest.length; i += 2) {
    const value = rest[i + 1] ?? '';
    if (rest[i] === '--workspace') workspace = path.resolve(value);
    else if (rest[i] === '--event') event = value;
    else if (rest[i] === '--payload') payload = JSON.parse(fs.readFileSync(value, 'utf8')) as Record<string, Value>;
    else if (rest[i] === '--job') jobs.push(value);
    else if (rest[i] === '--plan-only') planOnly.push(value);
    else throw new Error(`unknown argument ${rest[i]}`);
  }
  const result = await runWorkflow({
    workflow: path.resolve(workflow),
    workspace,
    event: { name: event, payload },
    ...(jobs.length > 0 ? { jobs } : {}),
    planOnly,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  for (const job of result.jobs) {
    process.stdout.write(`${job.result.padEnd(8)} ${job.name}${job.environment ? ` (environment ${job.environment})` : ''}\n`);
  }
  return result.jobs.some((j) => j.result === 'failure') ? 1 : 0;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(path.resolve(process.argv[1])).href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exit(2);
    },
  );
}
