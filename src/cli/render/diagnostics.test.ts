import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../model/diagnostic.js';
import { renderGithub, renderHuman, renderJson } from './diagnostics.js';

const GROUP = 'name: g\ntargets:\n  - name: a\n    kind: apisix\n    admin_key: canary-key-1\n    extra: 1\n  - name: b\n    note: canary-note-2\n';

function finding(extra: Partial<Diagnostic>): Diagnostic {
  return { code: 'TW2003', severity: 'error', message: 'a finding', file: 'gateway-groups/g/group.yaml', line: 1, column: 1, related: [], ...extra };
}

describe('code frames of findings about secrets', () => {
  const lookup = (file: string) => (file === 'gateway-groups/g/group.yaml' ? GROUP : null);

  it('mask the value a finding marks, and keep the caret on it', () => {
    const d = finding({ line: 5, column: 16, endLine: 5, endColumn: 28, secrets: [{ line: 5, column: 16, endLine: 5, endColumn: 28 }] });
    const text = renderHuman([d], lookup, { color: false });
    expect(text).not.toContain('canary-key-1');
    expect(text).toContain('> 5 |     admin_key: <masked>\n    |                ^^^^^^^^\n');
  });

  it('mask a span another finding of the file marks, in every frame of that file', () => {
    const marked = finding({ line: 8, column: 11, secrets: [{ line: 8, column: 11, endLine: 8, endColumn: 25 }] });
    const neighbour = finding({ code: 'TW2001', line: 7, column: 5 });
    const text = renderHuman([neighbour, marked], lookup, { color: false });
    expect(text).toContain('  8 |     note: <masked>');
    expect(text).not.toContain('canary-note-2');
    expect(text).not.toContain('canary-key-1');
  });

  it('mask secret values a frame shows even when no finding marks them', () => {
    const text = renderHuman([finding({ code: 'TW2001', line: 6, column: 5 })], lookup, { color: false });
    expect(text).toContain('admin_key: <masked>');
    expect(text).not.toContain('canary-key-1');
  });

  it('leave the spans as positions in JSON, and the message alone in annotations', () => {
    const d = finding({ line: 5, column: 16, secrets: [{ line: 5, column: 16, endLine: 5, endColumn: 28 }] });
    expect(JSON.parse(renderJson([d]))[0].secrets).toEqual([{ line: 5, column: 16, endLine: 5, endColumn: 28 }]);
    expect(renderGithub([d])).toBe('::error file=gateway-groups/g/group.yaml,line=5,col=16,title=tagway TW2003::a finding\n');
  });
});
