/**
 * `tagway agent`: checks what the loop needs before it starts (a repository, groups, a remote to
 * pull from, a free listen address), then runs one reconcile (`once`) or the loop with its HTTP
 * endpoints until `stop` aborts.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import { Agent, type ReconcileReport } from '../agent/agent.js';
import { CompileThread } from './agent-compile-thread.js';
import type { Clock } from '../agent/clock.js';
import { formatDuration } from '../core/duration.js';
import type { Logger } from '../agent/log.js';
import { startAgentServer, type AgentServer, type ListenAddress } from '../agent/server.js';
import { GitError } from '../git/errors.js';
import { readUpstream, type RemoteAuth } from '../git/remote.js';
import type { Env } from '../sync/credentials.js';
import type { RetryPolicy, Runtime } from '../sync/retry.js';
import { UserError } from '../core/errors.js';
import { loadTrust } from './signing.js';
import { openConfigRepo } from '../source/config-repo.js';

export interface AgentRunOptions {
  /** Any folder inside the clone of the config repository. */
  readonly cwd: string;
  readonly groups: readonly string[];
  readonly intervalMs: number;
  /** Fetch and fast-forward the clone from its remote before each reconcile. */
  readonly pull: boolean;
  /** Where to serve /healthz, /readyz and /metrics; null for no server. Never served with `once`. */
  readonly listen: ListenAddress | null;
  /** Run one reconcile and return. */
  readonly once: boolean;
  /**
   * Credential references (`env:NAME`) of targets, and `TAGWAY_GIT_TOKEN` /
   * `TAGWAY_GIT_USERNAME` for a remote that asks for credentials.
   */
  readonly env: Env;
  readonly logger: Logger;
  /** Aborting it stops the agent after the target in flight (see `Agent`). */
  readonly stop: AbortSignal;
  readonly clock?: Clock;
  readonly maxBackoffMs?: number;
  readonly retry?: Partial<RetryPolicy>;
  readonly runtime?: Partial<Runtime>;
  readonly concurrency?: number;
  /**
   * Take each group's snapshot from `<snapshotDir>/<group>/snapshot.json` (relative to `cwd`)
   * instead of compiling it, checking its signature as `sync --snapshot` does.
   */
  readonly snapshotDir?: string;
  /** With `snapshotDir`: public keys besides tagway.yaml's `trusted_keys` (`env:NAME`, `file:PATH` or the key). */
  readonly trustedKeys?: readonly string[];
  /** Called once the endpoints listen, with their base URL. */
  readonly onListening?: (url: string) => void;
}

export interface AgentRunResult {
  /** With `once`: the reconcile succeeded. In a loop: true once it stopped as asked. */
  readonly ok: boolean;
  /** The last finished reconcile, if any. */
  readonly last: ReconcileReport | null;
}

/** Username sent with `TAGWAY_GIT_TOKEN` when `TAGWAY_GIT_USERNAME` is unset (GitHub's convention). */
const DEFAULT_GIT_USERNAME = 'x-access-token';

/**
 * Runs the agent. Throws a UserError, before any reconcile, when the folder is not a repository,
 * no group is given, `pull` is asked on a clone that cannot follow a remote (detached HEAD, no
 * remote, not http(s)), the listen address cannot be bound, trusted keys are given with no
 * snapshot folder to check (the agent compiles from git then: there is no signature to check),
 * the snapshot folder is not a folder, or a trusted key cannot be read.
 */
export async function runAgent(options: AgentRunOptions): Promise<AgentRunResult> {
  const groups = [...new Set(options.groups)];
  if (groups.length === 0) throw new UserError('no group given', 'Name each gateway group the agent keeps in sync with --group (repeatable).');
  const trustedKeys = options.trustedKeys ?? [];
  if (options.snapshotDir === undefined && trustedKeys.length > 0) {
    throw new UserError(
      'trusted keys check the signatures of snapshot files, and the agent is given none: it compiles each group from its clone',
      'Give --snapshot-dir (the folder the signed snapshots are carried to), or drop --trusted-key; see docs/signing.md.',
    );
  }
  const repo = await openConfigRepo(options.cwd);
  const snapshotDir = options.snapshotDir === undefined ? undefined : path.resolve(options.cwd, options.snapshotDir);
  if (snapshotDir !== undefined) {
    const isDir = await fs.stat(snapshotDir).then(
      (st) => st.isDirectory(),
      () => false,
    );
    if (!isDir) throw new UserError(`--snapshot-dir ${options.snapshotDir} is not a folder`, 'Give the folder that holds <group>/snapshot.json (and snapshot.json.sig) for each group.');
    // A trusted key that cannot be read is a mistake to report now, not at every pass.
    await loadTrust(repo.dir, trustedKeys, { cwd: options.cwd, env: options.env });
  }
  let remote: string | undefined;
  if (options.pull) {
    try {
      remote = (await readUpstream(repo)).url;
    } catch (error) {
      if (error instanceof GitError) throw new UserError(error.message, error.hint ?? 'Run the agent in a clone made with git clone https://…', { cause: error });
      throw error;
    }
  }
  const gitAuth = remoteAuth(options.env);
  // Compiles run on a thread of their own: the endpoints and the signal handlers stay responsive.
  const compiler = new CompileThread();
  try {
    return await runLoop(options, repo.dir, groups, remote, gitAuth, compiler, snapshotDir === undefined ? undefined : { dir: snapshotDir, trustedKeys });
  } finally {
    await compiler.close();
  }
}

async function runLoop(
  options: AgentRunOptions,
  dir: string,
  groups: readonly string[],
  remote: string | undefined,
  gitAuth: RemoteAuth | undefined,
  compiler: CompileThread,
  snapshots: { readonly dir: string; readonly trustedKeys: readonly string[] } | undefined,
): Promise<AgentRunResult> {
  const snapshotDir = snapshots?.dir;
  const agent = new Agent({
    dir,
    groups,
    intervalMs: options.intervalMs,
    pull: options.pull,
    env: options.env,
    logger: options.logger,
    ...(gitAuth !== undefined ? { gitAuth } : {}),
    ...(options.clock !== undefined ? { clock: options.clock } : {}),
    ...(options.maxBackoffMs !== undefined ? { maxBackoffMs: options.maxBackoffMs } : {}),
    ...(options.retry !== undefined ? { retry: options.retry } : {}),
    ...(options.runtime !== undefined ? { runtime: options.runtime } : {}),
    ...(options.concurrency !== undefined ? { concurrency: options.concurrency } : {}),
    ...(snapshots !== undefined ? { snapshotDir: snapshots.dir, trustedKeys: snapshots.trustedKeys } : {}),
    loadGroup: (load) => compiler.load(load),
  });
  options.logger.info('agent started', {
    dir,
    groups,
    interval: formatDuration(options.intervalMs),
    pull: options.pull,
    remote,
    snapshotDir,
    once: options.once || undefined,
  });

  if (options.once) {
    const report = await agent.reconcile(options.stop);
    return { ok: report.ok, last: report };
  }

  let server: AgentServer | null = null;
  if (options.listen !== null) {
    const listen = options.listen;
    server = await startAgentServer({ health: () => agent.health(), metrics: () => agent.metrics.registry.render() }, listen).catch((error: unknown) => {
      const code = (error as NodeJS.ErrnoException).code ?? String(error);
      throw new UserError(`cannot listen on ${listen.host}:${listen.port}: ${code}`, 'Choose another address with --listen host:port.', { cause: error });
    });
    options.logger.info('listening', { url: server.url, endpoints: ['/healthz', '/readyz', '/metrics'] });
    options.onListening?.(server.url);
  }
  try {
    await agent.run(options.stop);
  } finally {
    await server?.close();
  }
  options.logger.info('agent stopped');
  return { ok: true, last: agent.lastReconcile() };
}

/**
 * `TAGWAY_GIT_TOKEN` (and `TAGWAY_GIT_USERNAME`) as the remote's credentials, when set. A token of
 * white space only is an error that names the variable (it would be sent as a password).
 */
function remoteAuth(env: Env): RemoteAuth | undefined {
  const token = env['TAGWAY_GIT_TOKEN'];
  if (token === undefined || token === '') return undefined;
  if (token.trim() === '') throw new UserError('environment variable TAGWAY_GIT_TOKEN holds only white space', 'Set it to the token of the remote, or unset it.');
  const username = env['TAGWAY_GIT_USERNAME'];
  return { username: username === undefined || username === '' ? DEFAULT_GIT_USERNAME : username, password: token };
}
