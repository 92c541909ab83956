/** Cases of reading a standalone file: what it holds, and the errors of a file that cannot be used. */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emptyConfig } from '../../../apisix/kinds/index.js';
import { SyncError } from '../../errors.js';
import { ioError, readStandaloneFile } from './read.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tagway-file-read-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readStandaloneFile: what a file holds', () => {
  const cases: ReadonlyArray<{
    readonly name: string;
    readonly text: string;
    /** `kind: ids` of the kinds that hold objects. */
    readonly ids: Record<string, (string | number)[]>;
    readonly others: Record<string, unknown>;
  }> = [
    { name: 'an empty file', text: '', ids: {}, others: {} },
    { name: 'a file of only #END', text: '#END\n', ids: {}, others: {} },
    { name: 'empty lists', text: 'routes: []\nupstreams:\n#END\n', ids: {}, others: {} },
    {
      name: 'objects out of order, sorted by id as text, ids as found',
      text: 'routes:\n  - id: b\n    uri: /b\n  - id: 10\n    uri: /10\n  - id: a\n    uri: /a\n  - id: 9\n    uri: /9\n#END\n',
      ids: { routes: [10, 9, 'a', 'b'] },
      others: {},
    },
    {
      name: 'a kind keyed by another field, given an id from it',
      text: 'consumers:\n  - username: jack\n  - username: alice\n#END\n',
      ids: { consumers: ['alice', 'jack'] },
      others: {},
    },
    {
      name: 'top-level keys tagway does not manage, kept as they are',
      text: 'plugins:\n  - name: limit-count\ndeployment_note: kept\nroutes:\n  - id: r\n    uri: /r\n#END\n',
      ids: { routes: ['r'] },
      others: { plugins: [{ name: 'limit-count' }], deployment_note: 'kept' },
    },
  ];
  for (const c of cases) {
    it(`reads ${c.name}`, async () => {
      const path = join(dir, 'held.yaml');
      await writeFile(path, c.text);
      const state = await readStandaloneFile('local', path);
      expect(state.text).toBe(c.text);
      const ids = Object.fromEntries(Object.entries(state.config).flatMap(([kind, objects]) => (objects.length > 0 ? [[kind, objects.map((o) => o.id)]] : [])));
      expect(ids).toEqual(c.ids);
      expect(state.others).toEqual(c.others);
    });
  }

  it('reads a missing file as an empty configuration with no text', async () => {
    expect(await readStandaloneFile('local', join(dir, 'none.yaml'))).toEqual({ text: null, config: emptyConfig(), others: {} });
  });

  it('keeps an object keyed by id as written, and one keyed by another field with its id added', async () => {
    const path = join(dir, 'bodies.yaml');
    await writeFile(path, 'routes:\n  - id: r\n    uri: /r\nconsumers:\n  - username: jack\n#END\n');
    const { config } = await readStandaloneFile('local', path);
    expect(config.routes).toEqual([{ id: 'r', uri: '/r' }]);
    expect(config.consumers).toEqual([{ id: 'jack', username: 'jack' }]);
  });
});

describe('readStandaloneFile: a file that cannot be used', () => {
  const cases: ReadonlyArray<readonly [string, string, string, string]> = [
    ['not YAML', 'routes: [\n', 'invalid-live-state', 'target local: PATH is not valid YAML: '],
    ['a list', '- id: r\n', 'invalid-live-state', 'target local: PATH is not a YAML mapping'],
    ['a scalar', 'routes\n', 'invalid-live-state', 'target local: PATH is not a YAML mapping'],
    ['a kind that is not a list', 'routes:\n  id: r\n', 'invalid-live-state', 'target local: "routes" in PATH is not a list'],
    ['an item without its id', 'routes:\n  - uri: /r\n', 'invalid-live-state', 'target local: an item of "routes" in PATH has no id'],
    ['an item that is no object', 'routes:\n  - r\n', 'invalid-live-state', 'target local: an item of "routes" in PATH has no id'],
    ['a consumer without its username', 'consumers:\n  - id: jack\n', 'invalid-live-state', 'target local: an item of "consumers" in PATH has no username'],
  ];
  for (const [name, text, code, message] of cases) {
    it(`refuses ${name}`, async () => {
      const path = join(dir, 'bad.yaml');
      await writeFile(path, text);
      const error = await readStandaloneFile('local', path).then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(SyncError);
      const data = (error as SyncError).data;
      expect(data.code).toBe(code);
      expect(data.target).toBe('local');
      expect(data.hint).toBe(message.includes('has no') ? 'tagway can only keep objects it can tell apart; give every object in the file an id' : undefined);
      expect(data.message.startsWith(message.replace('PATH', path))).toBe(true);
      if (message.endsWith(': ')) expect(data.message.length).toBeGreaterThan(message.replace('PATH', path).length);
      else expect(data.message).toBe(message.replace('PATH', path));
    });
  }

  it('refuses a path it cannot read as an io error naming the system code', async () => {
    const path = join(dir, 'a-folder.yaml');
    await mkdir(path, { recursive: true });
    await expect(readStandaloneFile('local', path)).rejects.toThrow(
      expect.objectContaining({ code: 'io', message: expect.stringMatching(new RegExp(`^target local: cannot read ${path} \\(EISDIR\\): EISDIR`)) }),
    );
  });
});

describe('ioError', () => {
  const cases: ReadonlyArray<readonly [string, unknown, string]> = [
    ['an error with a system code', Object.assign(new Error('no room'), { code: 'ENOSPC' }), 'target local: cannot write out/a.yaml (ENOSPC): no room'],
    ['an error without a code', new Error('no room'), 'target local: cannot write out/a.yaml: no room'],
    ['a thrown text', 'no room', 'target local: cannot write out/a.yaml: no room'],
    ['a record whose code is no text', { code: 28 }, 'target local: cannot write out/a.yaml: [object Object]'],
  ];
  for (const [name, thrown, message] of cases) {
    it(`words ${name}`, () => {
      expect(ioError('local', 'out/a.yaml', 'write', thrown).data).toEqual({ code: 'io', target: 'local', message });
    });
  }
});
