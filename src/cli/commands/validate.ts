import { Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Validate extends TagwayCommand {
  static override summary = 'Check the config repository: schemas, semantic rules and APISIX\'s own object checks.';
  static override description = `Loads every file of services/ and gateway-groups/ (from the worktree, or from a git revision with --rev), checks each against its JSON Schema, resolves every group's published versions, merges templates with overlays and runs the semantic rules, then checks every object that would reach the gateway. All findings are reported at once, each with a stable code, file, line and column.

Exit status: 0 clean (warnings allowed), 1 findings, 2 usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate --rev main --format json',
    '<%= config.bin %> validate --format github   # annotations on a pull request',
  ];
  static override flags = {
    rev: Flags.string({ description: 'Validate the config as committed at this revision (branch, tag or commit) instead of the worktree.' }),
    group: Flags.string({ description: 'Only resolve and check these groups (repeatable). Files are always all checked.', multiple: true }),
    draft: Flags.boolean({ description: 'Resolve groups with the worktree templates instead of the published versions.', default: false }),
    format: formatFlag(['human', 'json', 'github'], 'human'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Validate);
    const { runValidate } = await this.library(import('../../app/compile.js'));
    const options = {
      cwd: flags.cwd,
      ...(flags.rev !== undefined ? { rev: flags.rev } : {}),
      ...(flags.group ? { groups: flags.group } : {}),
      draft: flags.draft,
    };
    const { ok, diagnostics, sources } = await runValidate(options);
    await this.printDiagnostics(diagnostics, flags.format, sources);
    if (flags.format === 'human') {
      process.stderr.write(ok ? 'tagway: configuration is valid\n' : '');
    }
    process.exitCode = ok ? EXIT.ok : EXIT.findings;
  }
}
