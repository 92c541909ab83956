import path from 'node:path';
import { Flags } from '@oclif/core';
import { EXIT, TagwayCommand, formatFlag } from '../base.js';

export default class Compile extends TagwayCommand {
  static override summary = 'Compile one APISIX snapshot per gateway group.';
  static override description = `Resolves each group's published versions to tags <service>/v<semver>, reads each template as committed at its tag, merges it with the group's runtime overlay, and writes <out>/<group>/snapshot.json (canonical JSON with provenance and a sha256 digest of what reaches the gateway) and <out>/<group>/apisix.yaml (APISIX standalone format). The same inputs always give the same bytes.

--sign signs each snapshot with an ed25519 private key, named by reference: env:NAME (the key in an environment variable) or file:PATH; the key is PEM PKCS#8 (as tagway keygen or openssl genpkey -algorithm ed25519 write it) or the base64 of its 32-byte seed. The signature goes to <out>/<group>/snapshot.json.sig (snapshot.json is unchanged); sync --snapshot checks it where trusted keys are configured. The key is never printed or written. The signature records a time only when given one (--signed-at, else SOURCE_DATE_EPOCH): the same inputs and key give the same bytes. Without --sign, a signature left by an earlier compile is removed. See docs/signing.md.

Findings are those of the files the compiled groups are made from: their group.yaml and overlays, the templates they run (at their tags), tagway.yaml. A template no group runs (an edit not published yet) is for validate, which reports every file.

Nothing is written when any error is found; otherwise all files are replaced atomically.
Exit status: 0 compiled, 1 findings, 2 usage or runtime error.`;
  static override examples = [
    '<%= config.bin %> compile',
    '<%= config.bin %> compile --group staging --out build',
    '<%= config.bin %> compile --draft   # the worktree templates, as publishing them would give',
    'TAGWAY_SIGNING_KEY="$(cat ci-key.pem)" <%= config.bin %> compile --sign env:TAGWAY_SIGNING_KEY',
    'SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) <%= config.bin %> compile --sign file:/run/secrets/tagway-signing.pem',
  ];
  static override flags = {
    group: Flags.string({ description: 'Compile only these groups (repeatable).', multiple: true }),
    rev: Flags.string({ description: 'Read overlays and group files at this revision instead of the worktree.' }),
    draft: Flags.boolean({ description: 'Compile the worktree templates instead of the published versions; the snapshot is marked as a draft.', default: false }),
    out: Flags.string({ description: 'Output folder, relative to the repository root.', default: 'dist' }),
    sign: Flags.string({
      description: 'Sign each snapshot with this ed25519 private key (PEM PKCS#8 or base64 of the 32-byte seed), given as env:NAME or file:PATH; writes <out>/<group>/snapshot.json.sig.',
      helpValue: 'env:NAME|file:PATH',
    }),
    'signed-at': Flags.string({
      description: 'The time the signatures record: seconds since the epoch or ISO 8601 with a zone (default: SOURCE_DATE_EPOCH when set, else none).',
      dependsOn: ['sign'],
    }),
    format: formatFlag(['human', 'json'], 'human'),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Compile);
    const { runCompile } = await this.library(import('../../app/compile.js'));
    const outcome = await runCompile({
      cwd: flags.cwd,
      ...(flags.rev !== undefined ? { rev: flags.rev } : {}),
      ...(flags.group ? { groups: flags.group } : {}),
      draft: flags.draft,
      outDir: flags.out,
      ...(flags.sign !== undefined ? { sign: { key: flags.sign, ...(flags['signed-at'] !== undefined ? { signedAt: flags['signed-at'] } : {}) } } : {}),
      env: process.env,
    });
    if (flags.format === 'json') {
      this.printJson({ ok: outcome.ok, groups: outcome.groups, diagnostics: outcome.diagnostics });
    } else {
      await this.printDiagnostics(outcome.diagnostics, 'human', outcome.sources);
      for (const g of outcome.groups) {
        const rel = (p: string) => path.relative(process.cwd(), p) || p;
        this.print(
          `${g.group}${g.draft ? ' (draft)' : ''}: ${g.services} services, ${g.routes} routes, ${g.digest}${g.changed ? '' : ' (unchanged)'}\n  ${rel(g.snapshotPath)}\n  ${rel(g.standalonePath)}${g.signature === null ? '' : `\n  ${rel(g.signature.path)} (signed by key ${g.signature.keyId})`}`,
        );
      }
      if (!outcome.ok) process.stderr.write('tagway: nothing was written\n');
    }
    process.exitCode = outcome.ok ? EXIT.ok : EXIT.findings;
  }
}
