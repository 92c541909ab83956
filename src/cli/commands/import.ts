import { Args, Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Import extends TagwayCommand {
  static override summary = 'Write the config repository of a gateway that runs today (or of its files).';
  static override description = `Reads what a gateway holds and writes, into group G, the service templates, the group's overlays (hosts, upstream nodes or discovery), its consumers, consumer groups, certificates, global rules, plugin metadata and secret managers, and the group's pins. FROM is the Admin API of a running APISIX (http://host:9180, with --admin-key env:NAME; every kind, read page by page), an APISIX standalone apisix.yaml, an ADC file, or one service's OpenAPI 3.x (or Swagger 2.0) document: its paths become routes, its servers the group's upstream nodes; importing a changed document again updates the template and keeps what was added by hand.

Routes go into services by the APISIX service they use and the upstream they go to; names come from the objects' names, descriptions, hosts and paths, and stay the same when the same gateway is imported again. Secrets are never written: each becomes a reference (env:NAME, or $env://NAME where the gateway reads it) and the variables to set are listed, without their values. Anything the repository cannot hold is listed, and the exit status says so: an object it cannot hold whole (a route with a filter_func or remote_addrs, say) is neither written nor taken over, and stays on the gateway as it is, with what it uses; a field it can do without (an upstream's labels) is listed by object and field.

From a live gateway, gateway-groups/G/adopt.yaml records which of the gateway's objects the group takes over: tagway sync then makes its own objects first and deletes those after them, so no request stops matching (docs/adoption.md).

--check compiles what was written and compares it with the source, object by object (modulo ids and tagway's labels): every difference is printed. --publish V commits the files and tags every imported service V; when --check does not pass it does neither, and says why. --dry-run writes nothing. An empty folder (-C DIR) becomes a config repository.
Exit status: 0 imported, 1 something could not be imported or --check found differences, 2 usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> import http://127.0.0.1:9180 --admin-key env:APISIX_ADMIN_KEY --group production --check',
    '<%= config.bin %> import conf/apisix.yaml --group edge -C platform-config',
    '<%= config.bin %> import adc.yaml --group staging --publish 1.0.0',
    '<%= config.bin %> import openapi.yaml --group staging --service petstore',
    '<%= config.bin %> import http://127.0.0.1:9180 --admin-key env:APISIX_ADMIN_KEY --group production --dry-run',
  ];
  static override args = {
    from: Args.string({ description: 'Admin API URL of a running APISIX, or a file: standalone apisix.yaml, ADC YAML, or an OpenAPI document.', required: true }),
  };
  static override flags = {
    group: Flags.string({ description: 'The gateway group to write (gateway-groups/<group>/).', required: true }),
    'admin-key': Flags.string({ description: 'Admin API key of a live gateway, as env:NAME (never the key itself).' }),
    'source-format': Flags.string({ description: 'What FROM is (default: detected).', options: ['apisix', 'standalone', 'adc', 'openapi'] }),
    service: Flags.string({ description: 'The service an OpenAPI document becomes (default: its x-tagway-name, else its title).' }),
    check: Flags.boolean({ description: 'Compile what was written and compare it with the source, object by object; differences exit 1.', default: false }),
    publish: Flags.string({ description: 'Commit the files and tag every imported service with this version.' }),
    author: Flags.string({ description: 'Author of the commit made with --publish, "Name <email>".' }),
    'dry-run': Flags.boolean({ description: 'Read the source and show what would be written; write nothing.', default: false }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(Import);
    const [{ checkPassed, runImport }, { renderImport }, { equivalenceJson, renderEquivalence }] = await this.library(
      Promise.all([import('../../app/import.js'), import('../render/import.js'), import('../render/equivalence.js')]),
    );
    const outcome = await runImport({
      cwd: flags.cwd,
      from: args.from,
      group: flags.group,
      env: process.env,
      ...(flags['admin-key'] !== undefined ? { adminKey: flags['admin-key'] } : {}),
      ...(flags['source-format'] !== undefined ? { format: flags['source-format'] as 'apisix' | 'standalone' | 'adc' | 'openapi' } : {}),
      ...(flags.service !== undefined ? { service: flags.service } : {}),
      ...(flags.publish !== undefined ? { publish: flags.publish } : {}),
      ...(flags.author !== undefined ? { author: flags.author } : {}),
      check: flags.check,
      dryRun: flags['dry-run'],
    });
    const { check } = outcome;
    const findings = [...(outcome.findings?.diagnostics ?? []), ...(check?.diagnostics ?? []), ...(outcome.published !== null ? outcome.published.diagnostics : [])];
    if (flags.format === 'json') {
      const { published, check: _check, findings: readFindings, ...rest } = outcome;
      this.printJson({
        ...rest,
        findings: readFindings?.diagnostics ?? [],
        check: check === null ? null : { compiled: check.report !== null, diagnostics: check.diagnostics, ...(check.report !== null ? (equivalenceJson(check.report) as object) : {}) },
        published: published === null ? null : published.ok ? { ok: true, tags: published.tags, commits: published.commits } : { ok: false, diagnostics: published.diagnostics },
      });
    } else {
      await this.printDiagnostics(findings, 'human', new Map([...(outcome.findings?.sources ?? []), ...(check?.sources ?? []), ...(outcome.published?.sources ?? [])]));
      this.print(renderImport(outcome));
      if (check !== null) {
        if (!check.compiled) this.print('check: what was written does not compile (findings above)');
        else if (check.report === null) this.print('check: what was written compiles (an OpenAPI document has no gateway to compare with)');
        else this.print(`check: ${check.report.differences.length === 0 ? 'what was written compiles to what the source holds. ' : ''}${renderEquivalence(check.report)}`);
      }
    }
    const failed = outcome.findings !== null || outcome.unexpressed.length > 0 || (check !== null && !checkPassed(check)) || (outcome.published !== null && !outcome.published.ok);
    process.exitCode = failed ? EXIT.findings : EXIT.ok;
  }
}
