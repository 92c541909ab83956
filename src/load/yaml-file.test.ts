/**
 * The YAML reader reports what is wrong with a file as findings, never through the parser's own
 * warnings on stderr (`Keys with collection values will be stringified…`), which name no file
 * and speak of the parser's options.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseYamlFile, parseYamlFileWithPositions, recoverDocument } from './yaml-file.js';

const texts: { name: string; text: string }[] = [
  // A target list indented under `rollout:` after its mapping: a sequence as an implicit key.
  { name: 'a list appended under a mapping', text: 'rollout:\n  batch_size: 1\n  - name: apisix-1\n    kind: apisix\n' },
  { name: 'a complex key', text: '? [a, b]\n: c\n' },
  { name: 'a mapping as a key', text: '? {a: 1}\n: c\n' },
];

afterEach(() => vi.restoreAllMocks());

describe('the parser stays quiet', () => {
  it.each(texts)('$name', ({ text }) => {
    const emitWarning = vi.spyOn(process, 'emitWarning').mockImplementation(() => {});
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    const source = { path: 'gateway-groups/staging/group.yaml', bytes: new TextEncoder().encode(text) };
    parseYamlFile(source);
    parseYamlFileWithPositions(source);
    recoverDocument(text);
    expect(emitWarning).not.toHaveBeenCalled();
    expect(warn).not.toHaveBeenCalled();
  });
});
