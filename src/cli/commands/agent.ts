import { Flags } from '@oclif/core';
import { SYSTEM_CLOCK } from '../../agent/clock.js';
import { LOG_LEVELS, createLogger, type LogLevel } from '../../agent/log.js';
import { UserError } from '../../core/errors.js';
import { EXIT, TagwayCommand, durationFlag } from '../base.js';

export default class AgentCommand extends TagwayCommand {
  static override summary = 'Keep gateway groups on their snapshot: a reconcile loop with drift repair, health and metrics endpoints.';
  static override description = `Runs in a clone of the config repository. Every --interval: with --pull, fetches the clone's remote over http(s) (tags included) and fast-forwards its branch (never when the work tree has changes in the way, never when the branch has diverged); then compiles each --group at HEAD (committed configuration only) and syncs its fleet when the snapshot digest changed since the last successful sync, or when a target drifted from it (self-heal). A group that fails is retried with exponential backoff and jitter, up to --max-backoff. A group that another run is syncing (a manual tagway sync holding its lock or a lease on one of its targets) is skipped for the pass, not failed, and synced on the next (docs/concurrent-runs.md).

Serves GET /healthz (alive), /readyz (200 once the first reconcile is done and the last one succeeded, else 503) and /metrics (Prometheus text) on --listen. Logs JSON lines on stdout. SIGTERM or SIGINT lets the target in flight finish its sync (or its restore), then exits 0; a second signal exits at once. Groups are compiled on a worker thread, so the endpoints answer and signals act while a large group compiles.

--once runs a single reconcile without the endpoints and exits 0 when every group runs its snapshot (and the pull worked), 1 otherwise: for cron and tests.

With --snapshot-dir, each group's snapshot is not compiled but taken from <dir>/<group>/snapshot.json, as sync --snapshot takes it (targets from the clone's group.yaml): the way to run compiled, signed snapshots carried in from elsewhere. Where trusted keys are configured (trusted_keys in the clone's tagway.yaml, or --trusted-key), a snapshot is synced only with a valid signature (<dir>/<group>/snapshot.json.sig) by one of them; a refused one fails its group, and the fleet is left as it is. Without --snapshot-dir the agent compiles from git, where there is no signature to check, so --trusted-key needs --snapshot-dir. See docs/signing.md.

Target credentials are env:NAME references, as for sync. A remote that asks for credentials gets TAGWAY_GIT_TOKEN (username TAGWAY_GIT_USERNAME, default x-access-token).`;
  static override examples = [
    '<%= config.bin %> agent --group staging --pull',
    '<%= config.bin %> agent --group staging --group production --interval 1m --listen 0.0.0.0:9464',
    '<%= config.bin %> agent --group staging --once   # one reconcile, exit status for cron',
    '<%= config.bin %> agent --group production --snapshot-dir /srv/tagway/snapshots --trusted-key file:/etc/tagway/ci.pub',
  ];
  static override flags = {
    group: Flags.string({ description: 'A gateway group to keep in sync (repeatable); reconciled in the order given.', multiple: true }),
    interval: Flags.string({ description: 'Time between the starts of two reconciles: 30s, 5m, 1m30s, 500ms.', default: '30s' }),
    pull: Flags.boolean({ description: "Fetch and fast-forward the clone from its branch's remote before each reconcile.", default: false }),
    listen: Flags.string({ description: 'host:port of /healthz, /readyz and /metrics (":9464" is every interface).', default: '127.0.0.1:9464' }),
    once: Flags.boolean({ description: 'Run one reconcile and exit (0 success, 1 failure); no endpoints.', default: false }),
    'max-backoff': Flags.string({ description: 'Longest wait before retrying a failing group (at least the interval).', default: '5m' }),
    concurrency: Flags.integer({ description: 'Writes in flight per target within a phase (default 16).', min: 1, max: 256 }),
    'snapshot-dir': Flags.string({ description: 'Take each group\'s snapshot from <dir>/<group>/snapshot.json instead of compiling it; its signature is checked where keys are trusted.' }),
    'trusted-key': Flags.string({
      description: 'With --snapshot-dir: a public key whose signature the snapshots must carry (repeatable; besides trusted_keys in tagway.yaml): file:PATH, env:NAME, or the key (base64 of its 32 bytes).',
      multiple: true,
      helpValue: 'file:PATH|env:NAME|KEY',
    }),
    'log-level': Flags.string({ description: 'Lowest level logged.', options: [...LOG_LEVELS], default: 'info' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(AgentCommand);
    const [{ parseListen }, { runAgent }] = await this.library(Promise.all([import('../../agent/server.js'), import('../../app/agent.js')]));
    const intervalMs = durationFlag('--interval', flags.interval);
    if (intervalMs <= 0) throw new UserError(`--interval must be longer than 0, got ${flags.interval}`, 'e.g. --interval 30s');
    const maxBackoffMs = Math.max(intervalMs, durationFlag('--max-backoff', flags['max-backoff']));
    const listen = parseListen(flags.listen);
    if (listen === null) throw new UserError(`--listen ${flags.listen} is not host:port`, 'e.g. --listen 127.0.0.1:9464, --listen [::1]:9464 or --listen :9464');

    const logger = createLogger({ write: (line) => process.stdout.write(line), clock: SYSTEM_CLOCK, level: flags['log-level'] as LogLevel });
    const controller = new AbortController();
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals): void => {
      signals += 1;
      if (signals === 1) {
        logger.info('stopping: the target in flight finishes first', { signal });
        controller.abort();
        return;
      }
      // The operator insists: a target may be left half-written; the next start syncs it again.
      logger.error('second signal: exiting now', { signal });
      process.exit(EXIT.error);
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    try {
      const result = await runAgent({
        cwd: flags.cwd,
        groups: flags.group ?? [],
        intervalMs,
        pull: flags.pull,
        listen: flags.once ? null : listen,
        once: flags.once,
        env: process.env,
        logger,
        stop: controller.signal,
        maxBackoffMs,
        ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
        ...(flags['snapshot-dir'] !== undefined ? { snapshotDir: flags['snapshot-dir'] } : {}),
        ...(flags['trusted-key'] !== undefined ? { trustedKeys: flags['trusted-key'] } : {}),
      });
      process.exitCode = result.ok || controller.signal.aborted ? EXIT.ok : EXIT.findings;
    } finally {
      process.off('SIGTERM', onSignal);
      process.off('SIGINT', onSignal);
    }
  }
}
