/**
 * Writing several files together: all or nothing, never a half-written file, and files that
 * already hold their content left alone.
 */
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { fileIdentity, writeAll, writeFilesAtomically, writeFilesAtomicallyNoting } from '../src/core/atomic-write.js';

const dirs: string[] = [];
afterEach(() => {
  vi.restoreAllMocks();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

/** Calls `watch` with each file handle `fs/promises` opens, and the path it was opened at. */
function watchOpens(watch: (handle: fsp.FileHandle, file: string) => void): void {
  const open = fsp.open.bind(fsp);
  vi.spyOn(fsp, 'open').mockImplementation(async (...args: Parameters<typeof fsp.open>) => {
    const handle = await open(...args);
    watch(handle, String(args[0]));
    return handle;
  });
}

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tagway-write-'));
  dirs.push(dir);
  return dir;
}

describe('writeFilesAtomically', () => {
  it('writes text, bytes and chunks, creating folders, and reports what it replaced', async () => {
    const dir = tempDir();
    const chunks = [Buffer.from('one '), Buffer.alloc(0), Buffer.from('two '), Buffer.from('three')];
    const written = await writeFilesAtomically([
      { path: path.join(dir, 'a', 'text.txt'), content: 'héllo' },
      { path: path.join(dir, 'b', 'bytes.bin'), content: new Uint8Array([1, 2, 3]) },
      { path: path.join(dir, 'c', 'chunks.txt'), content: chunks },
    ]);
    expect(written.map((p) => path.relative(dir, p)).sort()).toEqual(['a/text.txt', 'b/bytes.bin', 'c/chunks.txt']);
    expect(fs.readFileSync(path.join(dir, 'a', 'text.txt'), 'utf8')).toBe('héllo');
    expect([...fs.readFileSync(path.join(dir, 'b', 'bytes.bin'))]).toEqual([1, 2, 3]);
    expect(fs.readFileSync(path.join(dir, 'c', 'chunks.txt'), 'utf8')).toBe('one two three');
    expect(fs.readdirSync(path.join(dir, 'c'))).toEqual(['chunks.txt']);
  });

  it('leaves a file that already holds the content untouched, and rewrites one that does not', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'same.txt');
    fs.writeFileSync(file, 'same');
    const before = fs.statSync(file, { bigint: true });
    expect(await writeFilesAtomically([{ path: file, content: [Buffer.from('sa'), Buffer.from('me')] }])).toEqual([]);
    expect(fs.statSync(file, { bigint: true }).ino).toBe(before.ino);
    // Same size, other bytes.
    expect(await writeFilesAtomically([{ path: file, content: 'sane' }])).toEqual([file]);
    expect(fs.readFileSync(file, 'utf8')).toBe('sane');
  });

  it('trusts `previous` only to skip reading the file when the content differs from it', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'f.txt');
    fs.writeFileSync(file, 'disk');
    // Content equal to `previous`: the file itself is compared, and it differs.
    expect(await writeFilesAtomically([{ path: file, content: 'knwn', previous: Buffer.from('knwn') }])).toEqual([file]);
    expect(fs.readFileSync(file, 'utf8')).toBe('knwn');
    // Content other than `previous`: written.
    expect(await writeFilesAtomically([{ path: file, content: 'knwn', previous: Buffer.from('else') }])).toEqual([file]);
    expect(fs.readFileSync(file, 'utf8')).toBe('knwn');
  });

  it('changes nothing when one file cannot be written, and leaves no temporary file', async () => {
    const dir = tempDir();
    const good = path.join(dir, 'good', 'snapshot.json');
    fs.mkdirSync(path.dirname(good));
    fs.writeFileSync(good, 'old');
    fs.writeFileSync(path.join(dir, 'blocked'), 'a file where a folder should be');
    await expect(
      writeFilesAtomically([
        { path: good, content: 'new' },
        { path: path.join(dir, 'blocked', 'apisix.yaml'), content: 'x' },
      ]),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    expect(fs.readFileSync(good, 'utf8')).toBe('old');
    expect(fs.readdirSync(path.dirname(good))).toEqual(['snapshot.json']);
  });

  it('tells each file as written or found, so that a file replaced since is told apart', async () => {
    const dir = tempDir();
    const a = path.join(dir, 'a.txt');
    const b = path.join(dir, 'b.txt');
    fs.writeFileSync(b, 'kept');
    const { replaced, identities } = await writeFilesAtomicallyNoting([
      { path: a, content: 'new' },
      { path: b, content: 'kept' },
    ]);
    expect(replaced).toEqual([a]);
    for (const file of [a, b]) expect(identities.get(file)).toBe(fileIdentity(fs.statSync(file, { bigint: true })));
    // Another writer puts a file of the same size in its place.
    fs.writeFileSync(`${a}.other`, 'NEW');
    fs.renameSync(`${a}.other`, a);
    expect(identities.get(a)).not.toBe(fileIdentity(fs.statSync(a, { bigint: true })));
  });
});

describe('writeFilesAtomically, many files', () => {
  it('holds a bounded number of files open, however many it writes', async () => {
    const dir = tempDir();
    let open = 0;
    let most = 0;
    watchOpens((handle) => {
      open += 1;
      most = Math.max(most, open);
      const close = handle.close.bind(handle);
      handle.close = async () => {
        open -= 1;
        return close();
      };
    });
    // An import of a large gateway writes tens of thousands of files: more than a process may
    // hold open at once.
    const files = Array.from({ length: 600 }, (_, i) => ({ path: path.join(dir, `s${i % 7}`, `f${i}.yaml`), content: `n: ${i}\n` }));
    expect(await writeFilesAtomically(files)).toHaveLength(600);
    expect(most).toBeGreaterThan(1);
    expect(most).toBeLessThanOrEqual(64);
    expect(fs.readFileSync(path.join(dir, 's4', 'f599.yaml'), 'utf8')).toBe('n: 599\n');
  });
});

describe('writeFilesAtomically, durability', () => {
  it('fsyncs every file before it renames it into place', async () => {
    const dir = tempDir();
    const events: string[] = [];
    const paths = new Map<unknown, string>();
    watchOpens((handle, file) => paths.set(handle, file));
    const probe = await fsp.open(path.join(dir, 'probe'), 'w');
    const proto = Object.getPrototypeOf(probe) as { sync(): Promise<void> };
    await probe.close();
    const sync = proto.sync;
    vi.spyOn(proto, 'sync').mockImplementation(async function (this: unknown) {
      events.push(`sync ${paths.get(this) ?? '?'}`);
      return sync.call(this);
    });
    const rename = fsp.rename.bind(fsp);
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      events.push(`rename ${String(from)}`);
      return rename(from, to);
    });

    const files = ['a.json', 'b/c.yaml', 'd.sig'].map((f) => path.join(dir, f));
    expect(await writeFilesAtomically(files.map((f) => ({ path: f, content: `content of ${f}` })))).toEqual(files);
    const renames = events.filter((e) => e.startsWith('rename '));
    expect(renames).toHaveLength(files.length);
    for (const r of renames) {
      const tmp = r.slice('rename '.length);
      const synced = events.indexOf(`sync ${tmp}`);
      expect(synced, `${tmp} fsynced`).toBeGreaterThanOrEqual(0);
      expect(synced, `${tmp} fsynced before its rename`).toBeLessThan(events.indexOf(r));
    }
  });
});

describe("writeFilesAtomically, newFiles: 'direct'", () => {
  /** Records each fsync and rename, by path. */
  function recordSyncsAndRenames(): string[] {
    const events: string[] = [];
    watchOpens((handle, file) => {
      const sync = handle.sync.bind(handle);
      handle.sync = async () => {
        events.push(`sync ${file}`);
        return sync();
      };
    });
    const rename = fsp.rename.bind(fsp);
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      events.push(`rename ${String(to)}`);
      return rename(from, to);
    });
    return events;
  }

  it('creates new files in place, unsynced, and still replaces an existing one through a synced temporary', async () => {
    const dir = tempDir();
    const old = path.join(dir, 'old.yaml');
    fs.writeFileSync(old, 'before');
    const events = recordSyncsAndRenames();
    const fresh = [path.join(dir, 'a', 'one.yaml'), path.join(dir, 'a', 'two.yaml'), path.join(dir, 'b', 'three.yaml')];
    const written = await writeFilesAtomically([...fresh, old].map((f) => ({ path: f, content: `content of ${path.basename(f)}` })), { newFiles: 'direct' });
    expect(written).toEqual([...fresh, old]);
    for (const f of [...fresh, old]) expect(fs.readFileSync(f, 'utf8')).toBe(`content of ${path.basename(f)}`);
    expect(events.filter((e) => e.startsWith('rename '))).toEqual([`rename ${old}`]);
    expect(events.filter((e) => e.startsWith('sync ')).map((e) => path.dirname(e.slice(5)))).toEqual([dir]);
    expect(fs.readdirSync(path.join(dir, 'a')).sort()).toEqual(['one.yaml', 'two.yaml']);
  });

  it('removes the files it created when another file cannot be written', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'blocked'), 'a file where a folder should be');
    await expect(
      writeFilesAtomically(
        [
          { path: path.join(dir, 'new', 'a.yaml'), content: 'a' },
          { path: path.join(dir, 'blocked', 'b.yaml'), content: 'b' },
          { path: path.join(dir, 'new', 'c.yaml'), content: 'c' },
        ],
        { newFiles: 'direct' },
      ),
    ).rejects.toMatchObject({ code: expect.stringMatching(/^(ENOTDIR|EEXIST)$/) });
    expect(fs.readdirSync(path.join(dir, 'new'))).toEqual([]);
  });

  it('removes the files it created when a replacement fails, and puts the old content back', async () => {
    const dir = tempDir();
    const old = path.join(dir, 'old.yaml');
    fs.writeFileSync(old, 'before');
    const rename = fsp.rename.bind(fsp);
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      if (String(from).endsWith('.tmp')) throw Object.assign(new Error('injected rename failure'), { code: 'EIO' });
      return rename(from, to);
    });
    const fresh = path.join(dir, 'fresh.yaml');
    await expect(writeFilesAtomically([{ path: fresh, content: 'new' }, { path: old, content: 'after' }], { newFiles: 'direct' })).rejects.toMatchObject({ code: 'EIO' });
    expect(fs.readdirSync(dir)).toEqual(['old.yaml']);
    expect(fs.readFileSync(old, 'utf8')).toBe('before');
  });
});

describe('writeFilesAtomically, a rename that fails part-way', () => {
  /** Two files that exist and one that does not; the `failAt`th rename fails. */
  async function failingRename(failAt: number): Promise<{ dir: string; files: string[] }> {
    const dir = tempDir();
    const files = [path.join(dir, 'one.json'), path.join(dir, 'sub', 'two.yaml'), path.join(dir, 'three.sig')];
    fs.mkdirSync(path.join(dir, 'sub'));
    fs.writeFileSync(files[0]!, 'old one');
    fs.writeFileSync(files[1]!, 'old two');
    const rename = fsp.rename.bind(fsp);
    let renames = 0;
    vi.spyOn(fsp, 'rename').mockImplementation(async (from, to) => {
      // Only the renames into place count: the undo's renames go through.
      if (String(from).endsWith('.tmp') && ++renames === failAt) throw Object.assign(new Error('injected rename failure'), { code: 'EIO' });
      return rename(from, to);
    });
    await expect(writeFilesAtomically(files.map((f, i) => ({ path: f, content: `new ${i}` })))).rejects.toMatchObject({ code: 'EIO', message: 'injected rename failure' });
    expect(renames).toBe(failAt);
    return { dir, files };
  }

  function expectOldState(dir: string, files: readonly string[]): void {
    expect(fs.readFileSync(files[0]!, 'utf8')).toBe('old one');
    expect(fs.readFileSync(files[1]!, 'utf8')).toBe('old two');
    expect(fs.existsSync(files[2]!)).toBe(false);
    // No temporary file and no old content left aside.
    expect(fs.readdirSync(dir).sort()).toEqual(['one.json', 'sub']);
    expect(fs.readdirSync(path.join(dir, 'sub'))).toEqual(['two.yaml']);
  }

  for (const failAt of [1, 2, 3]) {
    it(`puts back the files already renamed when rename ${failAt} of 3 fails`, async () => {
      const { dir, files } = await failingRename(failAt);
      expectOldState(dir, files);
    });
  }

  it('puts them back from a copy where the file system refuses hard links', async () => {
    vi.spyOn(fsp, 'link').mockRejectedValue(Object.assign(new Error('links not supported'), { code: 'EPERM' }));
    const { dir, files } = await failingRename(3);
    expectOldState(dir, files);
  });

  it('leaves no old content aside after a complete write', async () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'a'), 'old');
    expect(await writeFilesAtomically([{ path: path.join(dir, 'a'), content: 'new' }, { path: path.join(dir, 'b'), content: 'b' }])).toHaveLength(2);
    expect(fs.readdirSync(dir).sort()).toEqual(['a', 'b']);
    expect(fs.readFileSync(path.join(dir, 'a'), 'utf8')).toBe('new');
  });
});

describe('writeAll', () => {
  const chunks = Array.from({ length: 5000 }, (_, i) => Buffer.from(`${i}:${'x'.repeat(i % 37)};`));

  it('writes thousands of chunks in order, a few hundred bytes or a batch at a time', async () => {
    for (const most of [1, 7, 300, 4096, Infinity]) {
      const out: Buffer[] = [];
      let calls = 0;
      // A file that takes at most `most` bytes a call, as a short write does.
      const handle = {
        writev: async (buffers: readonly NodeJS.ArrayBufferView[]) => {
          calls += 1;
          // A writer that makes no progress would call for ever: failed here instead.
          if (calls > 200_000) throw new Error('no progress');
          expect(buffers.length).toBeLessThanOrEqual(1024);
          let room = most;
          for (const b of buffers) {
            const bytes = Buffer.from(b.buffer, b.byteOffset, b.byteLength);
            const n = Math.min(room, bytes.byteLength);
            out.push(Buffer.from(bytes.subarray(0, n)));
            room -= n;
            if (room === 0) break;
          }
          return { bytesWritten: Math.min(most, buffers.reduce((n, b) => n + b.byteLength, 0)), buffers: buffers as NodeJS.ArrayBufferView[] };
        },
      };
      await writeAll(handle as never, most === 1 ? chunks.slice(0, 200) : chunks);
      expect(Buffer.concat(out).equals(Buffer.concat(most === 1 ? chunks.slice(0, 200) : chunks))).toBe(true);
      if (most === Infinity) expect(calls).toBe(Math.ceil(chunks.length / 1024));
    }
  });
});
