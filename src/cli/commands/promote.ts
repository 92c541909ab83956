import { Args, Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Promote extends TagwayCommand {
  static override summary = 'Point a group at the version another group runs now.';
  static override description = `Sets the pointer of --to to the version of <service> that --from runs now (what its pin resolves to), in one commit ("promote petstore 1.3.0 from staging to production"). No new tag: only a version already running in --from qualifies. The target group's runtime overlay is kept; its group.yaml keeps its formatting and comments.

Refused: a --from that does not publish the service, a tag moved since --from recorded it, uncommitted changes to the target's group.yaml, and a target group that does not validate with the version. Promoting to a group that already runs the version commits nothing.
Exit status: 0 promoted (or nothing to do), 1 the target group does not validate, 2 refused or usage error.`;
  static override examples = ['<%= config.bin %> promote petstore --from staging --to production'];
  static override args = {
    service: Args.string({ description: 'Service to promote.', required: true }),
  };
  static override flags = {
    from: Flags.string({ description: 'Group whose running version is promoted.', required: true }),
    to: Flags.string({ description: 'Group to point at that version.', required: true }),
    author: Flags.string({ description: 'Author of the commit, "Name <email>" (default: your git identity).' }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Promote);
    const [{ runPromote }, { renderMove }] = await this.library(Promise.all([import('../../app/promote.js'), import('../render/versions.js')]));
    const outcome = await runPromote({
      cwd: flags.cwd,
      service: args.service,
      from: flags.from,
      to: flags.to,
      ...(flags.author !== undefined ? { author: flags.author } : {}),
    });
    if (flags.format === 'json') {
      const { sources: _sources, root: _root, ...rest } = outcome;
      this.printJson(rest);
    } else {
      await this.printDiagnostics(outcome.diagnostics, 'human', outcome.sources);
      if (!outcome.ok) process.stderr.write('tagway: nothing was promoted\n');
      else if (outcome.move === null) this.print(`${flags.to} already runs ${args.service} ${outcome.version}; nothing to commit`);
      else this.print(renderMove(outcome.service, outcome.move));
    }
    process.exitCode = outcome.ok ? EXIT.ok : EXIT.findings;
  }
}
