import path from 'node:path';
import { Args, Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';
import { invocation } from '../invocation.js';

function relativeOrAbsolute(dir: string): string {
  const rel = path.relative(process.cwd(), dir);
  return rel === '' ? '.' : rel.startsWith('..') ? dir : rel;
}

export default class Init extends TagwayCommand {
  static override summary = 'Start a config repository: layout, a starter service and group, schemas.';
  static override description = `Makes DIR (default: the current folder) a tagway config repository: runs git init when it is not one yet, and writes services/hello/service.yaml, gateway-groups/staging/group.yaml with a file target, tagway.yaml, the JSON Schemas under schemas/ (editors validate the YAML files with them) and a .gitignore for generated output. With --example, the bundled example (three services, staging and production) instead of the starter.
Existing files are never overwritten, and nothing is committed: review, then make the first commit yourself.
Exit status: 0, or 2 on a usage or runtime error.`;
  static override examples = ['<%= config.bin %> init platform-config', '<%= config.bin %> init --example'];
  static override args = {
    dir: Args.string({ description: 'Folder of the new config repository.', default: '.' }),
  };
  static override flags = {
    example: Flags.boolean({ description: 'Write the bundled example configuration instead of the starter.', default: false }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Init);
    const { runInit } = await this.library(import('../../app/init.js'));
    const outcome = await runInit({ dir: path.resolve(flags.cwd, args.dir), example: flags.example });
    if (flags.format === 'json') this.printJson(outcome);
    else {
      // The next steps name tagway as it runs from the new repository: not every install puts it on PATH.
      const tagway = invocation(outcome.root, { path: process.env['PATH'] });
      const lines = [
        `${outcome.createdRepository ? 'initialised a git repository in' : 'using the repository at'} ${outcome.root}`,
        ...outcome.written.filter((f) => !f.startsWith('schemas/')).map((f) => `  wrote ${f}`),
        ...(outcome.written.some((f) => f.startsWith('schemas/')) ? [`  wrote schemas/ (${outcome.written.filter((f) => f.startsWith('schemas/')).length} JSON Schemas)`] : []),
        ...outcome.kept.map((f) => `  kept ${f} (already there)`),
        '',
        'next:',
        `  cd ${relativeOrAbsolute(outcome.root)}`,
        `  ${tagway} validate --draft`,
        '  git add -A && git commit -m "tagway config"',
        flags.example ? `  ${tagway} publish petstore --version 1.0.0   # and the other services the groups pin` : `  ${tagway} publish hello --version 1.0.0 --group staging`,
        // The example's staging certificate is read from files that are never committed.
        ...(flags.example ? [`  ${EXAMPLE_CERTIFICATE}   # staging's certificate (gateway-groups/staging/ssls/staging.yaml)`] : []),
        `  ${tagway} sync --group staging`,
      ];
      this.print(lines.join('\n'));
    }
    process.exitCode = EXIT.ok;
  }
}

/** Makes the key and self-signed certificate the example's staging SSL file names, for its hosts. */
const EXAMPLE_CERTIFICATE =
  'mkdir -p tls && openssl req -x509 -newkey rsa:2048 -nodes -days 90 -subj /CN=api.staging.example.com ' +
  '-addext subjectAltName=DNS:api.staging.example.com,DNS:petstore.staging.example.com -keyout tls/staging.key -out tls/staging.crt';
