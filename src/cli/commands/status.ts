import { Flags } from '@oclif/core';
import type { LiveSection } from '../../app/live.js';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Status extends TagwayCommand {
  static override summary = 'Version status: latest versions, unpublished template changes, what each group runs.';
  static override description = `For every service: its latest version, whether its template (services/<service>/ at HEAD) changed since that version or has uncommitted edits, and per group the version its pin resolves to, whether that is behind the latest, and whether it is unrecorded: group.yaml has no \`locks:\` record of that version (a pin written by hand, or a range that moved on to a newer tag), so validate cannot report that tag moved; the next publish, promote or rollback that writes the group's pin of the service records what it resolves to. Read at HEAD: config files of the report that differ from HEAD in the worktree (an edited pin not committed yet) are listed at the end, with what to run (validate checks the worktree as it is).
With --live, also compiles each selected group (every group with targets by default) and compares the live objects of each target of its fleet with the snapshot: in sync, drifted (which objects, which fields; mixed when the objects of one service carry two versions, as a sync cut short leaves them: the next sync converges it) or unreachable. Gateways are only read.
Exit status: 0; with --live, 1 when any target drifted or could not be read, or a group does not compile; 2 on a usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> status',
    '<%= config.bin %> status --group production --format json',
    '<%= config.bin %> status --live --group production   # drift check, exit 1 on drift (for scheduled CI)',
  ];
  static override flags = {
    group: Flags.string({ description: 'Only these groups and the services they publish (repeatable).', multiple: true }),
    live: Flags.boolean({ description: "Compare each target's live state with the group's snapshot (drift).", default: false }),
    target: Flags.string({ description: 'With --live: only these targets (repeatable).', multiple: true, dependsOn: ['live'] }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const [{ runStatus }, { renderStatus }] = await this.library(Promise.all([import('../../app/status.js'), import('../render/versions.js')]));
    const report = await runStatus({ cwd: flags.cwd, ...(flags.group ? { groups: flags.group } : {}) });
    const live = flags.live ? await liveChecks(flags) : null;
    if (flags.format === 'json') {
      const { root: _root, ...rest } = report;
      const { liveJson } = await import('../render/live.js');
      this.printJson(live ? { ...rest, ok: report.ok && live.ok, live: liveJson(live) } : rest);
    } else {
      this.print(renderStatus(report.versions));
      if (live) await this.printLive(live);
    }
    process.exitCode = report.ok && (live?.ok ?? true) ? EXIT.ok : EXIT.findings;
  }

  private async printLive(live: LiveSection): Promise<void> {
    const { renderDrift } = await import('../render/drift.js');
    if (live.groups.length === 0) this.print('no group has targets to check');
    for (const g of live.groups) {
      if (g.kind === 'findings') {
        await this.printDiagnostics(g.diagnostics, 'human', g.sources);
        this.print(`${g.group}: does not compile, so its fleet was not checked`);
      } else {
        await this.printReport(renderDrift(g.report));
      }
    }
  }
}

async function liveChecks(flags: { cwd: string; group?: string[] | undefined; target?: string[] | undefined }): Promise<LiveSection> {
  const { runLiveChecks } = await import('../../app/live.js');
  return runLiveChecks({ cwd: flags.cwd, env: process.env, ...(flags.group ? { groups: flags.group } : {}), ...(flags.target ? { targets: flags.target } : {}) });
}
