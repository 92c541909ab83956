import { Args, Flags } from '@oclif/core';
import { TagwayCommand, formatFlag } from '../base.js';

export default class Rollback extends TagwayCommand {
  static override summary = 'Point a group back at a version it ran before.';
  static override description = `Sets the pointer of <service> in --group back, in one commit whose message names both versions ("rollback petstore on production from 1.3.0 to 1.2.0"). By default the target is the version the group ran before the current one, read from the git history of its group.yaml; rolling back again goes further back. --to names the version instead, and only a version the group ran qualifies (the refusal lists them). What a group ran is what its pin selected at each commit of group.yaml's history, including the versions a range pin moved on to as tags were created (dated by the tagger date of an annotated tag, the commit date of a lightweight one). The group's runtime overlay is kept, and a range pin becomes the exact version (a range would select the newest tag again); the comment at the end of the pin's line, which described the range, is dropped.

For an exact pin the commit changes group.yaml exactly as \`git revert\` of the publish commit would.

--dry-run checks all of that and prints the commit it would make (message, and the pointer lines of group.yaml before and after), writing nothing.
Exit status: 0 rolled back (or, with --dry-run, would be), 1 the group does not validate with that version, 2 refused or usage error.`;
  static override examples = [
    '<%= config.bin %> rollback petstore --group production',
    '<%= config.bin %> rollback petstore --group production --to 1.1.0',
    '<%= config.bin %> rollback petstore --group production --dry-run   # which version, which lines',
  ];
  static override args = {
    service: Args.string({ description: 'Service to roll back.', required: true }),
  };
  static override flags = {
    group: Flags.string({ description: 'Group whose pointer moves back.', required: true }),
    to: Flags.string({ description: 'Version to go back to (default: the one the group ran before the current one).' }),
    author: Flags.string({ description: 'Author of the commit, "Name <email>" (default: your git identity).' }),
    'dry-run': Flags.boolean({ description: 'Check everything and show the commit it would make; write nothing.', default: false }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Rollback);
    const [{ runRollback }, { renderVersionChange }] = await this.library(Promise.all([import('../../app/rollback.js'), import('../render/versions.js')]));
    const outcome = await runRollback({
      cwd: flags.cwd,
      service: args.service,
      group: flags.group,
      ...(flags.to !== undefined ? { to: flags.to } : {}),
      ...(flags.author !== undefined ? { author: flags.author } : {}),
      dryRun: flags['dry-run'],
    });
    await this.printVersionOutcome(outcome, flags.format, (made) => renderVersionChange({ dryRun: made.dryRun, moves: [made.move], commits: made.commits }), 'nothing was rolled back');
  }
}
