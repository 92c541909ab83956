/**
 * `tagway export`: the bundled example's groups as ADC files (checked against ADC's own schema)
 * and as APISIX standalone files (the bytes compile writes), deterministic, never resolving a
 * reference; and the command as a user runs it (`npm run build` first: it runs dist/).
 */
import fs from 'node:fs';
import path from 'node:path';
import { load } from 'js-yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readAdc } from '../src/apisix/adc/from-adc.js';
import { runExport, type ExportOutcome } from '../src/app/export.js';
import { runCompile } from '../src/app/compile.js';
import { adcSchemaErrors } from './support/adc-schema.js';
import { runCli, userError } from './support/cli-run.js';
import { makeExampleRepo } from './support/example-repo.js';
import type { TempRepo } from './support/git-repo.js';

const CANARY_KEY = 'canary-key-5b1e0c7d';

let repo: TempRepo;

beforeAll(() => {
  // The example, and a consumer whose key tagway reads from its environment at sync.
  repo = makeExampleRepo({
    'gateway-groups/production/consumers/partner.yaml': 'username: partner\nplugins:\n  key-auth:\n    key: env:PARTNER_KEY\n',
  });
});
afterAll(() => repo.cleanup());

function exported(outcome: ExportOutcome): Extract<ExportOutcome, { ok: true }> {
  if (!outcome.ok) throw new Error(`the group did not compile: ${outcome.diagnostics.map((d) => d.message).join('; ')}`);
  return outcome;
}

describe('tagway export --format adc', () => {
  it.each(['staging', 'production'])("writes group %s as a file ADC's schema takes", async (group) => {
    const out = exported(await runExport({ cwd: repo.dir, group, format: 'adc' }));
    expect(adcSchemaErrors(load(out.text), { PARTNER_KEY: CANARY_KEY })).toEqual([]);
  });

  it('lists what ADC has no place for: the secret manager, the certificate read from a file', async () => {
    const staging = exported(await runExport({ cwd: repo.dir, group: 'staging', format: 'adc' }));
    expect(staging.lost.map((l) => [l.kind, l.id, l.field])).toEqual([
      ['secrets', 'vault/main', undefined],
      ['ssls', 'staging', '/cert'],
    ]);
    expect(exported(await runExport({ cwd: repo.dir, group: 'production', format: 'adc' })).lost).toEqual([]);
  });

  it('writes the same bytes each time', async () => {
    const first = exported(await runExport({ cwd: repo.dir, group: 'staging', format: 'adc' }));
    const second = exported(await runExport({ cwd: repo.dir, group: 'staging', format: 'adc' }));
    expect(second.text).toBe(first.text);
  });

  it('reads back as the group’s objects, but for what ADC names its own way', async () => {
    const out = exported(await runExport({ cwd: repo.dir, group: 'production', format: 'adc' }));
    const compiled = await runCompile({ cwd: repo.dir, groups: ['production'], outDir: 'dist' });
    if (!compiled.ok) throw new Error('production does not compile');
    const apisix = (JSON.parse(fs.readFileSync(path.join(repo.dir, 'dist/production/snapshot.json'), 'utf8')) as { apisix: Record<string, { id: string; group_id?: string }[]> }).apisix;
    const back = readAdc(out.text, 'adc.yaml');
    expect(back.unexpressed).toEqual([]);
    for (const kind of ['services', 'upstreams', 'routes', 'ssls', 'plugin_metadata', 'plugin_configs', 'stream_routes'] as const) {
      // Plugin configs are merged into the routes that use them (ADC has none).
      if (kind === 'plugin_configs' || kind === 'routes') continue;
      expect(back.config[kind], kind).toEqual(apisix[kind]);
    }
    expect(back.config.routes.map((r) => r.id)).toEqual(apisix['routes']!.map((r) => r.id));
    expect(back.config.consumers.map(({ group_id: _g, ...c }) => c)).toEqual(apisix['consumers']!.map(({ group_id: _g, ...c }) => c));
  });

  it('writes references as they are, never their values', async () => {
    const previous = process.env['PARTNER_KEY'];
    process.env['PARTNER_KEY'] = CANARY_KEY;
    try {
      const out = exported(await runExport({ cwd: repo.dir, group: 'production', format: 'adc' }));
      expect(out.text).toContain('key: ${PARTNER_KEY}');
      expect(out.text).toContain('key: $env://WEB_SHOP_KEY');
      expect(out.text).not.toContain(CANARY_KEY);
    } finally {
      if (previous === undefined) delete process.env['PARTNER_KEY'];
      else process.env['PARTNER_KEY'] = previous;
    }
  });

  it('refuses a group that does not exist', async () => {
    const error = await userError(runExport({ cwd: repo.dir, group: 'nope', format: 'adc' }));
    expect(error.message).toContain('no gateway group `nope`');
  });
});

describe('tagway export --format standalone', () => {
  it.each(['staging', 'production'])("writes group %s as compile's dist/<group>/apisix.yaml", async (group) => {
    const compiled = await runCompile({ cwd: repo.dir, groups: [group], outDir: 'dist' });
    expect(compiled.ok).toBe(true);
    const out = exported(await runExport({ cwd: repo.dir, group, format: 'standalone' }));
    expect(out.text).toBe(fs.readFileSync(path.join(repo.dir, 'dist', group, 'apisix.yaml'), 'utf8'));
    expect(out.lost).toEqual([]);
  });
});

describe('the export command', () => {
  it('prints the file on stdout, and what it left out on stderr with exit 1', async () => {
    const run = await runCli(['export', '--group', 'staging', '--format', 'adc'], repo.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(exported(await runExport({ cwd: repo.dir, group: 'staging', format: 'adc' })).text);
    expect(run.stderr).toContain('left out: secrets vault/main: ADC has no secret managers');
  });

  it('writes --out atomically, exit 0 when nothing was left out, and no resolved reference', async () => {
    const run = await runCli(['export', '--group', 'production', '--format', 'adc', '--out', 'out/adc.yaml'], repo.dir, { PARTNER_KEY: CANARY_KEY });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^wrote .*out\/adc\.yaml \(adc, group production, sha256:[0-9a-f]{64}\)\n$/);
    const text = fs.readFileSync(path.join(repo.dir, 'out/adc.yaml'), 'utf8');
    expect(text).toContain('${PARTNER_KEY}');
    expect(`${text}${run.stdout}${run.stderr}`).not.toContain(CANARY_KEY);
    expect(fs.readdirSync(path.join(repo.dir, 'out'))).toEqual(['adc.yaml']);
  });

  it('exits 2 on a format it does not write', async () => {
    const run = await runCli(['export', '--group', 'production', '--format', 'json'], repo.dir);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('adc, standalone');
  });
});
