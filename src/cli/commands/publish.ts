import { Args, Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Publish extends TagwayCommand {
  static override summary = 'Make the template at HEAD a new version (an annotated tag), and point groups at it.';
  static override description = `Validates services/<service>/ as committed at HEAD, creates the annotated tag <service>/v<version> on HEAD (its message: --message, or a summary of what changed since the previous version), and for each --group sets that group's pointer in gateway-groups/<group>/group.yaml to the new version, in one commit per group ("publish petstore 1.3.0 to staging"). The group.yaml edit keeps your formatting and comments, and records the tag's object id under locks: so a tag moved later is caught by validate.

Refused: a version that exists (versions are immutable), a version not greater than the newest one (unless --allow-lower), uncommitted changes in services/<service>/ or in a group.yaml to change, and a template or group that does not validate. Nothing is written unless everything succeeds.

Commits and the tag carry your git identity (user.name and user.email); --author sets the commits' author.
Exit status: 0 published, 1 the template or a group does not validate, 2 refused or usage error.`;
  static override examples = [
    '<%= config.bin %> publish petstore --version 1.3.0',
    '<%= config.bin %> publish petstore --version 1.3.0 --group staging',
    '<%= config.bin %> publish petstore --version 1.2.1 --allow-lower -m "petstore 1.2.1: fix the pet route"',
  ];
  static override args = {
    service: Args.string({ description: 'Service to publish (its folder name under services/).', required: true }),
  };
  static override flags = {
    version: Flags.string({ description: 'The new version: semver without a v (1.3.0, 2.0.0-rc.1).', required: true }),
    group: Flags.string({ description: 'Point this group at the new version (repeatable; one commit each).', multiple: true }),
    message: Flags.string({ char: 'm', description: 'Tag message (default: a summary of the changes since the previous version).' }),
    'allow-lower': Flags.boolean({ description: 'Allow a version lower than the newest one (e.g. a fix of an older line).', default: false }),
    author: Flags.string({ description: 'Author of the commits, "Name <email>" (default: your git identity).' }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Publish);
    const [{ runPublish }, { renderMove, shortOid }] = await this.library(Promise.all([import('../../app/publish.js'), import('../render/versions.js')]));
    const outcome = await runPublish({
      cwd: flags.cwd,
      service: args.service,
      version: flags.version,
      ...(flags.group ? { groups: flags.group } : {}),
      ...(flags.message !== undefined ? { message: flags.message } : {}),
      allowLower: flags['allow-lower'],
      ...(flags.author !== undefined ? { author: flags.author } : {}),
    });
    if (flags.format === 'json') {
      const { sources: _sources, root: _root, ...rest } = outcome;
      this.printJson(rest);
    } else {
      await this.printDiagnostics(outcome.diagnostics, 'human', outcome.sources);
      if (outcome.ok) {
        this.print(`tagged ${outcome.tag.name} on commit ${shortOid(outcome.tag.commit)} (tag object ${shortOid(outcome.tag.object)})`);
        for (const move of outcome.groups) this.print(renderMove(outcome.service, move));
      } else {
        process.stderr.write('tagway: nothing was published\n');
      }
    }
    process.exitCode = outcome.ok ? EXIT.ok : EXIT.findings;
  }
}
