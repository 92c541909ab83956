import { Args, Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class History extends TagwayCommand {
  static override summary = 'Versions of a service, where each runs, and every pointer change.';
  static override description = `Lists every version of <service> (tag, date, tagger, message, commit), which version each group runs now, and per group the timeline of its pointer: who changed it, when, from which version to which, in which commit — read from the git history of gateway-groups/<group>/group.yaml along the current branch's first-parent line. A range pin shows the version it resolves to now, and in each pointer change the version it selected then: resolved against the tags that existed at that commit (by the tagger date of an annotated tag, the commit date of a lightweight one), the change's "from" being what the group ran just before it.
Exit status: 0, or 2 on a usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> history petstore',
    '<%= config.bin %> history petstore --group production --format json',
  ];
  static override args = {
    service: Args.string({ description: 'Service whose history to show.', required: true }),
  };
  static override flags = {
    group: Flags.string({ description: 'Only this group\'s pointer.' }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(History);
    const [{ runHistory }, { renderHistory }] = await this.library(Promise.all([import('../../app/history.js'), import('../render/versions.js')]));
    const report = await runHistory({ cwd: flags.cwd, service: args.service, ...(flags.group !== undefined ? { group: flags.group } : {}) });
    if (flags.format === 'json') {
      const { root: _root, ...rest } = report;
      this.printJson(rest);
    } else {
      this.print(renderHistory(report));
    }
    process.exitCode = EXIT.ok;
  }
}
