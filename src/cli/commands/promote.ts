import { Args, Flags } from '@oclif/core';
import { TagwayCommand, formatFlag } from '../base.js';

export default class Promote extends TagwayCommand {
  static override summary = 'Point a group at the versions another group runs now.';
  static override description = `Sets the pointer of --to to the version of each <service> that --from runs now (what its pin resolves to), in one commit ("promote petstore 1.3.0 from staging to production"; with several services, "promote orders 1.1.0, petstore 1.3.0 from staging to production"). No new tag: only a version already running in --from qualifies. The target group's runtime overlay is kept; its group.yaml keeps its formatting and comments.

Refused: a --from that does not publish a service, a tag moved since --from recorded it, uncommitted changes to the target's group.yaml, and a target group that does not validate with the versions; then nothing is committed. A service the target already runs at that version is left as it is; when that is every one, nothing is committed.

--dry-run checks all of that and prints the commit it would make (message, and the pointer lines of group.yaml before and after), writing nothing.
Exit status: 0 promoted (or nothing to do, or with --dry-run would be), 1 the target group does not validate, 2 refused or usage error.`;
  static override examples = [
    '<%= config.bin %> promote petstore --from staging --to production',
    '<%= config.bin %> promote petstore orders --from staging --to production   # one commit',
    '<%= config.bin %> promote petstore --from staging --to production --dry-run',
  ];
  static override strict = false;
  static override args = {
    service: Args.string({ description: 'Service to promote; several may be given.', required: true }),
  };
  static override flags = {
    from: Flags.string({ description: 'Group whose running version is promoted.', required: true }),
    to: Flags.string({ description: 'Group to point at that version.', required: true }),
    author: Flags.string({ description: 'Author of the commit, "Name <email>" (default: your git identity).' }),
    'dry-run': Flags.boolean({ description: 'Check everything and show the commit it would make; write nothing.', default: false }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Promote);
    const [{ runPromote }, { renderVersionChange }] = await this.library(Promise.all([import('../../app/promote.js'), import('../render/versions.js')]));
    const outcome = await runPromote({
      cwd: flags.cwd,
      services: this.positional(argv),
      from: flags.from,
      to: flags.to,
      ...(flags.author !== undefined ? { author: flags.author } : {}),
      dryRun: flags['dry-run'],
    });
    await this.printVersionOutcome(
      outcome,
      flags.format,
      (made) => {
        const moved = new Set(made.moves.map((m) => m.service));
        const already = made.services.filter((s) => !moved.has(s.service)).map((s) => `${flags.to} already runs ${s.service} ${s.version}`);
        const lines = [...already, ...(made.moves.length > 0 ? [renderVersionChange(made)] : [])];
        return made.moves.length === 0 ? `${lines.join('\n')}; nothing to commit` : lines.join('\n');
      },
      'nothing was promoted',
    );
  }
}
