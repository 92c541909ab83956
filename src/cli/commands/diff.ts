import { Flags } from '@oclif/core';
import { UserError } from '../../core/errors.js';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Diff extends TagwayCommand {
  static override summary = 'Show what a change does to each gateway group: versions, objects and routing.';
  static override description = `Compiles the configuration at two points (by default the merge base with the default branch, and the worktree), with the repository's current tags on both sides, and compares every gateway group: the services whose running version changes, each APISIX object added, removed or changed with a field-level diff of its canonical YAML, and which hosts, paths and methods start, stop or change routing. Formatting, comments, key order and the order of files never show as changes. Secrets are masked in every format.

--live compares each target of a group's fleet with the group's snapshot instead: per target, what a sync would change (each object with its changed fields and hunks, from the live state to the snapshot), objects of other owners in the way, and targets that could not be read; exit 1 on drift. Gateways are only read.

--format markdown is made for a pull-request comment (summary tables, details folded per service, within GitHub's comment size limit); --format json prints the documented shape of docs/diff.md.

Exit status: 0 no changes (or changes without --exit-code), 1 changes with --exit-code, or a side does not compile (its findings are printed), 2 usage or runtime error.`;
  static override usage = [
    'diff [--from REV] [--to REV | --worktree] [--group G...] [--draft] [--format text|markdown|json] [--exit-code]',
    'diff --live [--group G...] [--target T...] [--format text|json]',
  ];
  static override examples = [
    '<%= config.bin %> diff                                 # this branch (worktree) against its merge base with main',
    '<%= config.bin %> diff --from v1 --to HEAD --group production',
    '<%= config.bin %> diff --draft                         # what publishing the current templates would change',
    '<%= config.bin %> diff --from origin/main --format markdown > comment.md',
    '<%= config.bin %> diff --exit-code --format json      # exit 1 when anything changes',
    '<%= config.bin %> diff --live --group production       # what a sync would change on each gateway',
  ];
  static override flags = {
    from: Flags.string({ description: 'Base revision (branch, tag or commit). Default: the merge base of the default branch and --to (or HEAD).' }),
    to: Flags.string({ description: 'Revision to compare with the base. Default: the worktree.', exclusive: ['worktree'] }),
    worktree: Flags.boolean({ description: 'Compare the worktree with the base (the default).', default: false, exclusive: ['to'] }),
    group: Flags.string({ description: 'Only these groups (repeatable).', multiple: true }),
    draft: Flags.boolean({
      description: 'The compared side uses its templates instead of the published versions: what publishing them would change (only services whose template differs from the version a group runs).',
      default: false,
    }),
    format: formatFlag(['text', 'markdown', 'json'], 'text'),
    'exit-code': Flags.boolean({ description: 'Exit with 1 when anything changes (like git diff --exit-code).', default: false }),
    live: Flags.boolean({
      description: "Compare each target's live state with the group's compiled snapshot instead of two revisions: what a sync would change, object by object (exit 1 on drift).",
      default: false,
      exclusive: ['from', 'to', 'worktree', 'draft'],
    }),
    target: Flags.string({ description: 'With --live: only these targets (repeatable).', multiple: true, dependsOn: ['live'] }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Diff);
    if (flags.live) return this.runLive(flags);
    const [{ runDiff }, { describeSide, diffDocument, renderDiffJson, renderDiffMarkdown, renderDiffText, renderFindingsMarkdown }] = await this.library(
      Promise.all([import('../../app/diff.js'), import('../../diff/index.js')]),
    );
    const outcome = await runDiff({
      cwd: flags.cwd,
      ...(flags.from !== undefined ? { from: flags.from } : {}),
      ...(flags.to !== undefined ? { to: flags.to } : {}),
      ...(flags.group ? { groups: flags.group } : {}),
      draft: flags.draft,
    });
    const sides = { from: outcome.from.side, to: outcome.to.side };
    const diagnostics = { from: outcome.from.diagnostics, to: outcome.to.diagnostics };

    if (flags.format === 'json') {
      this.print(renderDiffJson(diffDocument(outcome.report, sides, diagnostics)));
    } else {
      if (outcome.report === null) {
        for (const side of [outcome.from, outcome.to]) {
          if (!side.diagnostics.some((d) => d.severity === 'error')) continue;
          await this.printDiagnostics(side.diagnostics, 'human', side.sources);
          process.stderr.write(`tagway: ${describeSide(side.side)} does not compile, so there is no diff\n`);
        }
        if (flags.format === 'markdown') this.print(renderFindingsMarkdown(sides.from, sides.to, diagnostics));
      } else {
        // Warnings of the compared side only: the base's are not news (json carries both).
        await this.printDiagnostics(outcome.to.diagnostics, 'human', outcome.to.sources);
        if (flags.format === 'markdown') this.print(renderDiffMarkdown(outcome.report));
        else await this.printReport(renderDiffText(outcome.report));
      }
    }
    if (outcome.report === null) process.exitCode = EXIT.findings;
    else process.exitCode = flags['exit-code'] && outcome.report.changed ? EXIT.findings : EXIT.ok;
  }

  private async runLive(flags: { cwd: string; group?: string[] | undefined; target?: string[] | undefined; format: string }): Promise<void> {
    if (flags.format === 'markdown') throw new UserError('--live prints text or json', 'Use --format text or --format json with --live.');
    const [{ runLiveDiff }, { liveDiffJson, renderLiveDiff }] = await this.library(Promise.all([import('../../app/live-diff.js'), import('../render/live-diff.js')]));
    const live = await runLiveDiff({
      cwd: flags.cwd,
      env: process.env,
      ...(flags.group ? { groups: flags.group } : {}),
      ...(flags.target ? { targets: flags.target } : {}),
    });
    if (flags.format === 'json') this.printJson(liveDiffJson(live));
    else {
      if (live.groups.length === 0) this.print('no group has targets to compare with');
      for (const g of live.groups) {
        if (g.kind === 'checked') {
          await this.printReport(renderLiveDiff(g));
          continue;
        }
        await this.printDiagnostics(g.diagnostics, 'human', g.sources);
        this.print(`${g.group}: does not compile, so its fleet was not compared`);
      }
    }
    process.exitCode = live.ok ? EXIT.ok : EXIT.findings;
  }
}
