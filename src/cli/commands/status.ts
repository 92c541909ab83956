import { Flags } from '@oclif/core';
import { runStatus } from '../../app/status.js';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';
import { renderStatus } from '../render/versions.js';

export default class Status extends TagwayCommand {
  static override summary = 'Version status: latest versions, unpublished template changes, what each group runs.';
  static override description = `For every service: its latest version, whether its template (services/<service>/ at HEAD) changed since that version or has uncommitted edits, and per group the version its pin resolves to and whether that is behind the latest. Read at HEAD.
Exit status: 0, or 2 on a usage or runtime error.`;
  static override examples = ['<%= config.bin %> status', '<%= config.bin %> status --group production --format json'];
  static override flags = {
    group: Flags.string({ description: 'Only these groups and the services they publish (repeatable).', multiple: true }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Status);
    const report = await runStatus({ cwd: flags.cwd, ...(flags.group ? { groups: flags.group } : {}) });
    if (flags.format === 'json') {
      const { root: _root, ...rest } = report;
      this.printJson(rest);
    } else {
      this.print(renderStatus(report.versions));
    }
    process.exitCode = report.ok ? EXIT.ok : EXIT.findings;
  }
}
