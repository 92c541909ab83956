import { Flags } from '@oclif/core';
import { runSync } from '../../app/sync.js';
import { EXIT, TagwayCommand, durationFlag, formatFlag } from '../base.js';
import { driftJson } from '../render/drift.js';
import { renderDryRun, renderRollout, renderSnapshotSource } from '../render/sync.js';

export default class Sync extends TagwayCommand {
  static override summary = "Push a gateway group's snapshot to the gateways of its fleet.";
  static override description = `Compiles the group exactly as compile does (the worktree, or --rev), or takes a compiled --snapshot file (its digest is checked; drafts are refused), and takes it to every target listed under targets: in the group's group.yaml, in rollout order (rollout.batch_size targets at a time). Each target is read, planned (create/update/delete by id, comparing normalised objects, so a second sync of the same snapshot writes nothing), applied upstreams → services → routes (deletes in reverse), and read back to verify.

Only objects labelled managed-by: tagway and tagway.group: <group> are ever changed; an object of another owner at an id the snapshot needs stops that target before any write. Network errors, 5xx and 429 are retried with backoff; a failure that persists restores what the run changed on that target and halts the rollout. Credentials are env:NAME references, resolved before the first request; keys are never printed.

One run of a group at a time: a sync takes the group's lock in the repository (.tagway/locks/, for runs on this machine) and a lease on each apisix target (its own lease object on the gateway, oldest first wins), renews them while it runs, proves them before reporting success, and removes them at the end. Another run of the group waits up to --lock-timeout (polling; 0 fails at once), then fails naming the run that holds it. A target whose lease could not be held (refused, lapsed, taken over) is read whole at the end and reports the snapshot only if it still holds it. See docs/concurrent-runs.md for what this guarantees and what it does not.

--dry-run reads every target and prints its plan without writing (it takes no lock). --format json prints the rollout report (with --dry-run: the drift report, whose plan per target is under plan).

Exit status: 0 every selected target runs the snapshot (with --dry-run: every target could be planned), 1 findings or a target that does not run it, 2 usage or runtime error (unknown target, unset credential variable, bad snapshot file, another run of the group still holding it after --lock-timeout; nothing was written then).`;
  static override examples = [
    '<%= config.bin %> sync --group staging',
    '<%= config.bin %> sync --group production --dry-run',
    '<%= config.bin %> sync --group production --target eu-1 --target eu-2 --rev main',
    '<%= config.bin %> sync --snapshot dist/production/snapshot.json --format json',
    '<%= config.bin %> sync --group production --lock-timeout 0   # fail at once when another run syncs the group',
    'APISIX_EU1_KEY=... <%= config.bin %> sync --group production   # admin_key: env:APISIX_EU1_KEY',
  ];
  static override flags = {
    group: Flags.string({ description: 'The gateway group to sync. Required unless --snapshot is given.' }),
    target: Flags.string({ description: 'Only these targets of the group (repeatable); default every target, in fleet order.', multiple: true }),
    rev: Flags.string({ description: 'Compile the group as committed at this revision (branch, tag or commit) instead of the worktree.', exclusive: ['snapshot'] }),
    snapshot: Flags.string({ description: 'Sync this compiled snapshot.json instead of compiling; targets come from the worktree group.yaml of its group.', exclusive: ['rev'] }),
    'dry-run': Flags.boolean({ description: 'Read every target and print its plan; write nothing.', default: false }),
    concurrency: Flags.integer({ description: 'Writes in flight per target within a phase (default 16).', min: 1, max: 256 }),
    'lock-timeout': Flags.string({
      description: 'How long to wait for another run of the group (its lock, its leases on the targets): 30s, 5m, 0 fails at once.',
      default: '2m',
    }),
    format: formatFlag(['text', 'json'], 'text'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Sync);
    if (flags.group === undefined && flags.snapshot === undefined) {
      this.error('give the group to sync with --group (or a compiled snapshot with --snapshot)', { exit: EXIT.error });
    }
    const lockTimeoutMs = durationFlag('--lock-timeout', flags['lock-timeout']);
    const outcome = await runSync({
      cwd: flags.cwd,
      env: process.env,
      ...(flags.group !== undefined ? { group: flags.group } : {}),
      ...(flags.target !== undefined ? { targets: flags.target } : {}),
      ...(flags.rev !== undefined ? { rev: flags.rev } : {}),
      ...(flags.snapshot !== undefined ? { snapshotFile: flags.snapshot } : {}),
      ...(flags.concurrency !== undefined ? { concurrency: flags.concurrency } : {}),
      dryRun: flags['dry-run'],
      lockTimeoutMs,
      onWait: ({ target, holder }) => {
        const what = target === null ? 'the group' : `target ${target}`;
        process.stderr.write(`tagway: ${what} is being synced by another run: ${holder}; waiting up to ${flags['lock-timeout']} (--lock-timeout)\n`);
      },
    });

    if (outcome.kind === 'findings') {
      this.printDiagnostics(outcome.diagnostics, flags.format === 'json' ? 'json' : 'human', outcome.root, outcome.sources);
      process.stderr.write('tagway: the group does not compile; no target was contacted\n');
      process.exitCode = EXIT.findings;
      return;
    }
    this.printDiagnostics(outcome.diagnostics, 'human', outcome.root, outcome.sources);
    if (flags.format === 'json') {
      this.printJson(outcome.kind === 'dry-run' ? driftJson(outcome.report) : outcome.report);
    } else {
      process.stdout.write(renderSnapshotSource(outcome.snapshot));
      process.stdout.write(outcome.kind === 'dry-run' ? renderDryRun(outcome.report) : renderRollout(outcome.report));
    }
    process.exitCode = outcome.ok ? EXIT.ok : EXIT.findings;
  }
}
