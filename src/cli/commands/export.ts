import { Flags } from '@oclif/core';
import { EXIT, TagwayCommand } from '../base.js';

export default class Export extends TagwayCommand {
  static override summary = "Write a group's compiled configuration as an ADC file or an APISIX standalone file.";
  static override description = `Compiles the group as \`compile --group\` does and writes its gateway objects in another tool's format, so that nothing is locked in: --format adc writes the file API7's ADC reads (\`adc sync -f\`), --format standalone the apisix.yaml of APISIX's standalone mode (the same bytes as compile's dist/<group>/apisix.yaml). The file goes to stdout, or atomically to --out.
References are written, never resolved: tagway's env:NAME becomes ADC's \${NAME} (ADC reads the variable when it loads the file); $env:// and $secret:// are kept. What ADC has no place for (secret managers, an object with a file: reference, fields its objects lack) is left out and listed on stderr. See docs/export.md.
Exit status: 0; 1 when the group does not compile or something was left out (the file is written all the same); 2 on a usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> export --group production --format adc --out adc.yaml',
    '<%= config.bin %> export --group staging --format standalone > apisix.yaml',
    '<%= config.bin %> export --group production --format adc --rev production/2026-06-01   # as of a revision',
  ];
  static override flags = {
    group: Flags.string({ description: 'The gateway group to export.', required: true }),
    format: Flags.string({ description: 'The file format: ADC, or APISIX standalone.', options: ['adc', 'standalone'], required: true }),
    out: Flags.string({ description: 'Write the file here (atomically) instead of to stdout.' }),
    rev: Flags.string({ description: "Compile the group's files at this revision instead of the worktree." }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Export);
    const { runExport } = await this.library(import('../../app/export.js'));
    const outcome = await runExport({
      cwd: flags.cwd,
      group: flags.group,
      format: flags.format as 'adc' | 'standalone',
      ...(flags.rev !== undefined ? { rev: flags.rev } : {}),
      ...(flags.out !== undefined ? { out: flags.out } : {}),
    });
    await this.printDiagnostics(outcome.diagnostics, 'human', outcome.sources);
    if (!outcome.ok) {
      process.stderr.write(`tagway: group \`${flags.group}\` does not compile, so nothing was exported\n`);
      process.exitCode = EXIT.findings;
      return;
    }
    if (outcome.file === null) process.stdout.write(outcome.text);
    for (const l of outcome.lost) {
      process.stderr.write(`left out: ${l.kind} ${l.id}${l.field !== undefined ? ` ${l.field}` : ''}: ${l.reason}\n`);
    }
    if (outcome.file !== null) this.print(`wrote ${outcome.file} (${flags.format}, group ${outcome.group}, ${outcome.digest})`);
    process.exitCode = outcome.lost.length > 0 ? EXIT.findings : EXIT.ok;
  }
}
