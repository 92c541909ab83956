/**
 * A worker thread of prefetch.ts: runs `prefillMemo` on one part of a repository and sends back
 * the records it makes, encoded as the cache stores them, a transferred buffer every few hundred
 * services, then `{ done: true }`.
 */
import { parentPort } from 'node:worker_threads';
import { prefillMemo } from '../compile/compile.js';
import { MemoryMemo } from '../compile/memo.js';
import type { GitRepo } from '../git/repo.js';
import type { InputFile } from '../load/source-file.js';
import { SourceBytes } from '../source/file-bytes.js';
import { encodeFileRecord, encodeUnitRecord } from './compile-cache.js';
import { sourcesToRead } from './prefetch.js';
import type { PrefetchJob, PrefetchResult, WireSource } from './prefetch.js';

parentPort?.once('message', (job: PrefetchJob) => {
  void run(job).then(() => parentPort?.postMessage({ done: true }));
});

/** Prepares the job's services, sending their records every few dozen services. */
async function run(job: PrefetchJob): Promise<void> {
  const buffer = new Uint8Array(job.buffer);
  const repo: GitRepo = { dir: job.root, gitdir: job.gitdir, worktreeGitdir: job.gitdir, cache: {} };
  const bytes = new SourceBytes(repo);
  const source = (w: WireSource): InputFile => ({
    path: w.path,
    ...(w.revision !== undefined ? { revision: w.revision } : {}),
    ...(w.oid !== undefined ? { oid: w.oid } : {}),
    bytes: w.bytes ? buffer.subarray(w.bytes[0], w.bytes[1]) : null,
  });
  const listed = job.files.map(source);
  const listedAtTags = job.templatesAtTags.map(([tag, w]) => [tag, source(w)] as const);
  await bytes.load(sourcesToRead(listed, listedAtTags.map(([, f]) => f)));
  const files = listed.map((f) => bytes.filled(f));
  const templatesAtTags = new Map(listedAtTags.map(([tag, f]) => [tag, bytes.filled(f)]));

  const memo = new MemoryMemo((file) => bytes.read(file));
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
