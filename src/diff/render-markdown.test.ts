import { describe, expect, it } from 'vitest';
import type { ApisixConfig, ApisixObject } from '../model/apisix.js';
import { emptyConfig } from '../apisix/kinds/index.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { buildDiffReport, diffGroup, groupStateFromConfig } from './group.js';
import type { DiffSide } from './model.js';
import { GITHUB_COMMENT_LIMIT, renderDiffMarkdown, renderFindingsMarkdown } from './render-markdown.js';

const from: DiffSide = { label: 'merge base with main', commit: '0123456789abcdef0123456789abcdef01234567', draft: false };
const to: DiffSide = { label: 'worktree', commit: null, draft: false };

const labels = (service: string) => ({ 'managed-by': 'tagway', 'tagway.group': 'g', 'tagway.service': service, 'tagway.version': '1.0.0' });

/** `services` services of `routes` routes each, every route with a plugin config of about `size` characters. */
function bigConfig(services: number, routes: number, size: number, salt: string): ApisixConfig {
  const config: { upstreams: ApisixObject[]; services: ApisixObject[]; routes: ApisixObject[] } = { upstreams: [], services: [], routes: [] };
  for (let s = 0; s < services; s++) {
    const name = `svc-${String(s).padStart(3, '0')}`;
    config.upstreams.push({ id: name, labels: labels(name), nodes: [{ host: '10.0.0.1', port: 80, weight: 1 }] });
    config.services.push({ id: name, labels: labels(name), upstream_id: name, hosts: [`${name}.example.com`] });
    for (let r = 0; r < routes; r++) {
      config.routes.push({
        id: `${name}.r${r}`,
        labels: labels(name),
        service_id: name,
        uris: [`/r${r}`],
        plugins: { 'response-rewrite': { body: `${salt}-${'x'.repeat(size)}` } },
      });
    }
  }
  return { ...emptyConfig(), ...config };
}

function report(before: ApisixConfig, after: ApisixConfig) {
  const group = diffGroup('production', groupStateFromConfig(before, 'sha256:a'), groupStateFromConfig(after, 'sha256:b'));
  const quiet = diffGroup('staging', groupStateFromConfig(before, 'sha256:a'), groupStateFromConfig(before, 'sha256:a'));
  return buildDiffReport(from, to, [group, quiet]);
}

describe('renderDiffMarkdown', () => {
  it('gives a summary table per group and folds the details of each service', () => {
    const text = renderDiffMarkdown(report(bigConfig(2, 1, 10, 'a'), bigConfig(2, 1, 10, 'b')));
    expect(text).toContain('#### `production`: changes');
    expect(text).toContain('| `svc-000` | 1.0.0 (same version) | 0 | 0 | 1 | 0 |');
    expect(text).toContain('#### `staging`: no changes');
    expect(text.match(/<details>/g)).toHaveLength(2);
    expect(text).toContain('```diff\n@@');
    expect(text).not.toContain('[!NOTE]');
  });

  it('stays under GitHub\'s comment limit, keeps every summary and says what it left out', () => {
    const big = report(bigConfig(40, 20, 400, 'a'), bigConfig(40, 20, 400, 'b'));
    const full = renderDiffMarkdown(big, { maxLength: Number.POSITIVE_INFINITY });
    expect(full.length).toBeGreaterThan(GITHUB_COMMENT_LIMIT * 3);
    const text = renderDiffMarkdown(big);
    expect(text.length).toBeLessThanOrEqual(GITHUB_COMMENT_LIMIT);
    for (let s = 0; s < 40; s++) expect(text).toContain(`| \`svc-${String(s).padStart(3, '0')}\` |`);
    expect(text).toContain('#### `staging`: no changes');
    expect(text).toMatch(/> \[!NOTE\]\n> This diff is larger than a pull-request comment can hold: .*details of \d+ services are left out \(`production\/svc-\d+`/);
    // Whatever was cut, every <details> that was opened is closed.
    expect(text.match(/<details>/g)?.length).toBe(text.match(/<\/details>/g)?.length);
  });

  it('cuts even the summaries at a line when they alone are too long', () => {
    const text = renderDiffMarkdown(report(bigConfig(40, 20, 10, 'a'), bigConfig(40, 20, 10, 'b')), { maxLength: 4_000 });
    expect(text.length).toBeLessThanOrEqual(4_000);
    expect(text).toContain('the summary itself is cut short');
  });

  it('fences hunks that contain backticks with a longer fence', () => {
    const before = bigConfig(1, 1, 1, 'a');
    const after = bigConfig(1, 1, 1, '```lua');
    const text = renderDiffMarkdown(report(before, after));
    expect(text).toContain('````diff\n');
  });
});

describe('renderFindingsMarkdown', () => {
  it('lists the errors of the side that does not compile, with places and hints', () => {
    const diagnostic: Diagnostic = {
      code: 'TW2003',
      severity: 'error',
      message: 'must be one of roundrobin, chash | ewma',
      file: 'services/orders/service.yaml',
      line: 12,
      column: 9,
      hint: 'Did you mean `chash`? See services/<service>/service.yaml',
      related: [],
    };
    const text = renderFindingsMarkdown(from, to, { from: [], to: [diagnostic] });
    expect(text).toContain('no diff, the configuration does not compile');
    expect(text).toContain('#### to: `worktree`, 1 error');
    expect(text).toContain('| error | TW2003 | `services/orders/service.yaml:12:9` | must be one of roundrobin, chash \\| ewma<br>Did you mean `chash`? See services/&lt;service&gt;/service.yaml |');
    expect(text).not.toContain('#### from');
  });
});
