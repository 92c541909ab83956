import { Args, Flags } from '@oclif/core';
import { TagwayCommand, formatFlag } from '../base.js';

export default class Publish extends TagwayCommand {
  static override summary = 'Make the template at HEAD a new version (an annotated tag), and point groups at it.';
  static override description = `Validates services/<service>/ as committed at HEAD, creates the annotated tag <service>/v<version> on HEAD (its message: --message, or a summary of what changed since the previous version), and for each --group sets that group's pointer in gateway-groups/<group>/group.yaml to the new version, in one commit per group ("publish petstore 1.3.0 to staging"). The group.yaml edit keeps your formatting and comments, and records the tag's object id under locks: so a tag moved later is caught by validate.

Several services at once: name each as <service>@<version> (a bare <service> takes --version). Each gets its tag, and each --group one commit that moves every pin ("publish orders 2.0.1, petstore 1.3.0 to staging"). Every template and group is validated with all the new versions first; if one fails, no tag and no commit is made.

Refused: a version that exists (versions are immutable), a version not greater than the newest one (unless --allow-lower), uncommitted changes in services/<service>/ or in a group.yaml to change, and a template or group that does not validate. Nothing is written unless everything succeeds.

--dry-run checks all of that and prints the tags (name, commit, message) and commits (message, and per file the pointer lines before and after) it would make, writing nothing: no tag, commit, index entry or file.

Commits and the tag carry your git identity (user.name and user.email); --author sets the commits' author.
Exit status: 0 published (or, with --dry-run, would be), 1 a template or a group does not validate, 2 refused or usage error.`;
  static override usage = [
    'publish <service> --version X.Y.Z [--group G...] [-m MSG] [--allow-lower] [--dry-run]',
    'publish <service>@<version>... [--group G...] [-m MSG] [--allow-lower] [--dry-run]',
  ];
  static override examples = [
    '<%= config.bin %> publish petstore --version 1.3.0',
    '<%= config.bin %> publish petstore --version 1.3.0 --group staging',
    '<%= config.bin %> publish petstore@1.3.0 orders@2.0.1 --group staging   # two tags, one commit',
    '<%= config.bin %> publish petstore --version 1.3.0 --group staging --dry-run',
    '<%= config.bin %> publish petstore --version 1.2.1 --allow-lower -m "petstore 1.2.1: fix the pet route"',
  ];
  static override strict = false;
  static override args = {
    service: Args.string({ description: 'Service to publish (its folder name under services/), or <service>@<version>; several may be given.', required: true }),
  };
  static override flags = {
    version: Flags.string({ description: 'The new version of each service named without @<version>: semver without a v (1.3.0, 2.0.0-rc.1).' }),
    group: Flags.string({ description: 'Point this group at the new versions (repeatable; one commit each).', multiple: true }),
    message: Flags.string({ char: 'm', description: 'Tag message, of every tag made (default: a summary of the changes since the previous version).' }),
    'allow-lower': Flags.boolean({ description: 'Allow a version lower than the newest one (e.g. a fix of an older line).', default: false }),
    author: Flags.string({ description: 'Author of the commits, "Name <email>" (default: your git identity).' }),
    'dry-run': Flags.boolean({ description: 'Check everything and show the tags and commits it would make; write nothing.', default: false }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(Publish);
    const [{ parseReleases, runPublish }, { renderVersionChange }] = await this.library(Promise.all([import('../../app/publish.js'), import('../render/versions.js')]));
    const outcome = await runPublish({
      cwd: flags.cwd,
      releases: parseReleases(this.positional(argv), flags.version),
      ...(flags.group ? { groups: flags.group } : {}),
      ...(flags.message !== undefined ? { message: flags.message } : {}),
      allowLower: flags['allow-lower'],
      ...(flags.author !== undefined ? { author: flags.author } : {}),
      dryRun: flags['dry-run'],
    });
    await this.printVersionOutcome(
      outcome,
      flags.format,
      (made) => renderVersionChange({ dryRun: made.dryRun, tags: made.tags, moves: made.groups, commits: made.commits }),
      'nothing was published',
    );
  }
}
