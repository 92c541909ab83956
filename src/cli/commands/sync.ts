import { Flags, type Interfaces } from '@oclif/core';
import type { SyncEvent } from '../../sync/sync.js';
import { EXIT, TagwayCommand, durationFlag, formatFlag } from '../base.js';
import { signalExit, stopOnSignals, type SignalStop } from '../signals.js';

export default class Sync extends TagwayCommand {
  static override summary = "Push a gateway group's snapshot to the gateways of its fleet.";
  static override description = `Compiles the group exactly as compile does (the worktree, or --rev), or takes a compiled --snapshot file (its digest is checked; drafts are refused), and takes it to every target listed under targets: in the group's group.yaml, in rollout order (rollout.batch_size targets at a time). Each target is read, planned (create/update/delete by id, comparing normalised objects, so a second sync of the same snapshot writes nothing), applied upstreams → services → routes (deletes in reverse), and read back to verify.

Before the first write every target is read (preflight): a target that cannot be reached, refuses the key, or has objects in the way (an object of another owner at an id the snapshot needs, or an object to delete that something else still uses, stream routes, plugin configs and consumers included) stops the sync before anything is written anywhere; --allow-partial syncs the other targets instead. Only objects labelled managed-by: tagway and tagway.group: <group> are ever changed. Network errors, 5xx and 429 are retried with backoff within each request's time limit (timeouts: of the target in group.yaml; 12 s by default); a failure that persists restores what the run changed on that target and halts the rollout. Credentials are env:NAME references, resolved before the first request; keys are never printed.

With trusted keys configured (trusted_keys in tagway.yaml, or --trusted-key), a --snapshot file is synced only with a valid signature beside it (<file>.sig, written by compile --sign) by one of those keys, for that very snapshot; an unsigned, mis-signed or unknown-key snapshot is refused before any target is contacted. With none configured, signatures are not checked. See docs/signing.md.

One run of a group at a time: a sync takes the group's lock in the repository (.tagway/locks/, for runs on this machine) and a lease on each apisix target (its own lease object on the gateway, oldest first wins), renews them while it runs, proves them before reporting success, and removes them at the end. Another run of the group waits up to --lock-timeout (polling; 0 fails at once), then fails naming the run that holds it. A target whose lease could not be held (refused, lapsed, taken over) is read whole at the end and reports the snapshot only if it still holds it. See docs/concurrent-runs.md for what this guarantees and what it does not.

While it runs, progress goes to stderr: a line per target redrawn in place on a terminal, a line per target every 5 s elsewhere, JSON lines with --format json; --quiet turns it off. Warnings of the compile are printed before any target is contacted.

--dry-run reads every target and prints its plan without writing (it takes no lock). --format json prints the rollout report (with --dry-run: the drift report, whose plan per target is under plan); --format markdown prints it for a CI job's summary (a row per target with its health checks, then what failed; a dry run prints text).

SIGINT or SIGTERM stops a sync cleanly: no new write starts, the writes in flight finish, the targets of the current batch are taken back to their state before the run (earlier batches keep the snapshot), the report is printed, and the exit status is 130 (SIGINT) or 143 (SIGTERM). A second signal exits at once and names the targets that may hold a mix of the two configurations; the next sync takes them to the snapshot. See docs/interruptions.md.

Exit status: 0 every selected target runs the snapshot (with --dry-run: every target could be planned), 1 findings or a target that does not run it, 2 usage or runtime error (unknown target, unset credential variable, bad snapshot file, a signature refused, another run of the group still holding it after --lock-timeout; nothing was written then), 130 / 143 stopped by SIGINT / SIGTERM.`;
  static override examples = [
    '<%= config.bin %> sync --group staging',
    '<%= config.bin %> sync --group production --dry-run',
    '<%= config.bin %> sync --group production --target eu-1 --target eu-2 --rev main',
    '<%= config.bin %> sync --snapshot dist/production/snapshot.json --format json',
    '<%= config.bin %> sync --snapshot carried/production/snapshot.json --trusted-key file:keys/ci.pub   # needs carried/production/snapshot.json.sig',
    '<%= config.bin %> sync --group production --allow-partial   # sync the reachable targets even when one is down',
    '<%= config.bin %> sync --group production --lock-timeout 0   # fail at once when another run syncs the group',
    'APISIX_EU1_KEY=... <%= config.bin %> sync --group production   # admin_key: env:APISIX_EU1_KEY',
  ];
  static override flags = {
    group: Flags.string({ description: 'The gateway group to sync. Required unless --snapshot is given.' }),
    target: Flags.string({ description: 'Only these targets of the group (repeatable); default every target, in fleet order.', multiple: true }),
    rev: Flags.string({ description: 'Compile the group as committed at this revision (branch, tag or commit) instead of the worktree.', exclusive: ['snapshot'] }),
    snapshot: Flags.string({ description: 'Sync this compiled snapshot.json instead of compiling; targets come from the worktree group.yaml of its group.', exclusive: ['rev'] }),
    'trusted-key': Flags.string({
      description: 'With --snapshot: a public key whose signature it must carry (repeatable; besides trusted_keys in tagway.yaml): file:PATH, env:NAME, or the key (base64 of its 32 bytes).',
      multiple: true,
      helpValue: 'file:PATH|env:NAME|KEY',
    }),
    'dry-run': Flags.boolean({ description: 'Read every target and print its plan; write nothing.', default: false }),
    concurrency: Flags.integer({ description: 'Writes in flight per target within a phase (default 16).', min: 1, max: 256 }),
    'allow-partial': Flags.boolean({
      description: 'When the preflight read finds targets that cannot be synced (unreachable, wrong key, objects in the way), sync the others instead of writing nothing.',
      default: false,
    }),
    'lock-timeout': Flags.string({
      description: 'How long to wait for another run of the group (its lock, its leases on the targets): 30s, 5m, 0 fails at once.',
      default: '2m',
    }),
    quiet: Flags.boolean({ description: 'Print no progress on stderr while the sync runs (the report is printed as always).', default: false }),
    format: formatFlag(['text', 'json', 'markdown'], 'text'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sync);
    if (flags.group === undefined && flags.snapshot === undefined) {
      this.error('give the group to sync with --group (or a compiled snapshot with --snapshot)', { exit: EXIT.error });
    }
    // A dry run writes nothing: signals keep their default (exit at once).
    const stop = flags['dry-run'] ? null : stopOnSignals();
    try {
      await this.sync(flags, stop);
    } finally {
      stop?.release();
    }
  }

  private async sync(flags: Interfaces.InferredFlags<typeof Sync.flags & typeof TagwayCommand.baseFlags>, stop: SignalStop | null): Promise<void> {
    const lockTimeoutMs = durationFlag('--lock-timeout', flags['lock-timeout']);
    const [{ runSync }, { driftJson }, { renderDryRun, renderRollout, renderRolloutMarkdown, renderSnapshotSource, touchedServices }, { SyncProgress }] = await this.library(
      Promise.all([import('../../app/sync.js'), import('../render/drift.js'), import('../render/sync.js'), import('../render/progress.js')]),
    );
    const progress = new SyncProgress({
      mode: flags.quiet ? 'off' : flags.format === 'json' ? 'json' : process.stderr.isTTY === true ? 'live' : 'lines',
      write: (text) => process.stderr.write(text),
    });
    // Where stderr is no terminal: a line per target still working every few seconds.
    const ticker = setInterval(() => progress.tick(), PROGRESS_LINE_MS);
    ticker.unref();
    const onEvent = (event: SyncEvent): void => {
      stop?.onEvent(event);
      progress.onEvent(event);
    };
    const outcome = await runSync({
      cwd: flags.cwd,
      env: process.env,
      ...(flags.group !== undefined ? { group: flags.group } : {}),
      ...(flags.target !== undefined ? { targets: flags.target } : {}),
      ...(flags.rev !== undefined ? { rev: flags.rev } : {}),
      ...(flags.snapshot !== undefined ? { snapshotFile: flags.snapshot } : {}),
      ...(flags['trusted-key'] !== undefined ? { trustedKeys: flags['trusted-key'] } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      dryRun: flags['dry-run'],
      allowPartial: flags['allow-partial'],
      ...(stop !== null ? { signal: stop.signal } : {}),
      onEvent,
      // Warnings of the compile are printed when known, not after the sync.
      onCompiled: (diagnostics, sources) => this.printDiagnostics(diagnostics, 'human', sources),
      lockTimeoutMs,
      onWait: ({ target, holder }) => {
        const what = target === null ? 'the group' : `target ${target}`;
        process.stderr.write(`tagway: ${what} is being synced by another run: ${holder}; waiting up to ${flags['lock-timeout']} (--lock-timeout)\n`);
      },
    }).finally(() => {
      clearInterval(ticker);
      progress.finish();
    });

    if (outcome.kind === 'findings') {
      await this.printDiagnostics(outcome.diagnostics, flags.format === 'json' ? 'json' : 'human', outcome.sources);
      process.stderr.write('tagway: the group does not compile; no target was contacted\n');
      process.exitCode = EXIT.findings;
      return;
    }
    if (flags.format === 'json') {
      this.printJson(outcome.kind === 'dry-run' ? driftJson(outcome.report) : outcome.report);
    } else if (flags.format === 'markdown' && outcome.kind === 'synced') {
      await this.printReport(renderRolloutMarkdown(outcome.report));
    } else {
      await this.printReport(
        renderSnapshotSource(outcome.snapshot, touchedServices(outcome.report)) + (outcome.kind === 'dry-run' ? renderDryRun(outcome.report, outcome.snapshot.digest) : renderRollout(outcome.report, outcome.snapshot.digest)),
      );
    }
    const interrupted = outcome.kind === 'synced' ? outcome.report.interrupted : null;
    process.exitCode = interrupted !== null ? signalExit(interrupted.by) : outcome.ok ? EXIT.ok : EXIT.findings;
  }
}

/** How often a sync whose stderr is no terminal prints a line per target still working. */
const PROGRESS_LINE_MS = 5_000;
