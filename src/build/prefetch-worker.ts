/**
 * A worker thread of prefetch.ts: runs `prefillMemo` on one part of a repository and sends back
 * the records it makes, encoded as the cache stores them, a transferred buffer every few hundred
 * services, then `{ done: true }`.
 */
import { parentPort } from 'node:worker_threads';
import { prefillMemo, sourcesToRead } from '../compile/compile.js';
import { MemoryMemo } from '../compile/memo.js';
import type { GitRepo } from '../git/repo.js';
import { deferredSource, loadSources } from '../source/deferred-source.js';
import { blobReader, sizeChecked } from '../source/git-revision.js';
import type { SourceFile } from '../load/source-file.js';
import { repoFileReader } from '../source/repo-file.js';
import type { RepoFileReader } from '../source/repo-file.js';
import { readWorktreeFile } from '../source/worktree.js';
import { encodeFileRecord, encodeUnitRecord } from './compile-cache.js';
import type { PrefetchJob, PrefetchResult, WireSource } from './prefetch.js';

parentPort?.once('message', (job: PrefetchJob) => {
  void run(job).then(() => parentPort?.postMessage({ done: true }));
});

/** Prepares the job's services, sending their records every few dozen services. */
async function run(job: PrefetchJob): Promise<void> {
  const bytes = new Uint8Array(job.buffer);
  const readers = new Map<string, ReturnType<typeof blobReader>>();
  const worktrees = new Map<string, RepoFileReader>();
  const source = (w: WireSource): SourceFile => {
    const meta = { path: w.path, ...(w.revision !== undefined ? { revision: w.revision } : {}) };
    if (w.bytes) return { ...meta, ...(w.oid !== undefined ? { oid: w.oid } : {}), bytes: bytes.subarray(w.bytes[0], w.bytes[1]) };
    const origin = w.origin!;
    if (origin.kind === 'file') {
      let worktree = worktrees.get(origin.root);
      if (!worktree) worktrees.set(origin.root, (worktree = repoFileReader(origin.root)));
      const files = worktree;
      return deferredSource({ ...meta, oid: w.oid! }, () => readWorktreeFile(files, origin.path), { origin });
    }
    let reader = readers.get(origin.gitdir);
    if (!reader) readers.set(origin.gitdir, (reader = blobReader({ dir: '', gitdir: origin.gitdir, worktreeGitdir: origin.gitdir, cache: {} } satisfies GitRepo)));
    const r = reader;
    return deferredSource({ ...meta, oid: w.oid! }, () => sizeChecked(r.readOne(origin.oid)), { batch: r, origin });
  };
  const files = job.files.map(source);
  const templatesAtTags = new Map(job.templatesAtTags.map(([tag, w]) => [tag, source(w)]));
  await loadSources(sourcesToRead(files, templatesAtTags.values()));

  const memo = new MemoryMemo();
  const sent = new Set<string>();
  // Records go out as they are made, so that the worker never holds more than a few dozen
  // services' rendered objects. File records stay (later services' compiles look up the group
  // files'); each is sent once.
  const flush = () => {
    const out: PrefetchResult['entries'][number][] = [];
    const parts: Uint8Array[] = [];
    let size = 0;
    const add = (kind: 'file' | 'unit', key: string, body: Uint8Array) => {
      parts.push(body);
      out.push({ kind, key, start: size, end: size + body.byteLength });
      size += body.byteLength;
    };
    for (const [key, record] of memo.files) {
      if (sent.has(key)) continue;
      sent.add(key);
      add('file', key, encodeFileRecord(record));
    }
    for (const [key, record] of memo.units) add('unit', key, encodeUnitRecord(record));
    memo.units.clear();
    const buffer = new ArrayBuffer(size);
    const view = new Uint8Array(buffer);
    let at = 0;
    for (const part of parts) {
      view.set(part, at);
      at += part.byteLength;
    }
    const result: PrefetchResult = { entries: out, buffer };
    parentPort?.postMessage(result, [buffer]);
  };
  prefillMemo(
    {
      tree: { files, problems: [], ...(job.overlaysOf ? { overlaysOf: job.overlaysOf } : {}) },
      tags: job.tags,
      templatesAtTags,
      commit: job.commit,
      ...(job.draft ? { draft: true } : {}),
      ...(job.selection ? { selection: job.selection } : {}),
      ...(job.snapshots ? {} : { snapshots: false }),
      memo,
    },
    job.services,
    flush,
  );
}
