/**
 * Before compile runs with the cache: computes what the cache lacks, using several threads.
 *
 * When many files have no record (a first run, a new tool version) and the machine has cores to
 * spare (one thread per two cores, see `defaultThreads`), the repository is split by service into
 * one part per thread; worker threads (prefetch-worker.ts) and this thread each run
 * `prefillMemo` on a part — parse, schema and file rules of its files, merge, service rules,
 * claims and rendered objects of its services — and the results go into the cache. Compile then
 * finds nearly everything there and only puts it together (the records are written to the cache
 * first, so that compile reads each as it needs it instead of all of them staying in memory).
 * A worker's results are the very records compile would make itself (the same functions on the
 * same input, keyed by content), so the output does not depend on whether, or how many, workers
 * ran. With few misses nothing is done here: compile computes them itself, sooner than a worker
 * could start.
 */
import os from 'node:os';
import type { CompileInput } from '../compile/compile.js';
import { prefillMemo, servicesInput } from '../compile/compile.js';
import { fileKey } from '../compile/memo.js';
import type { GitRepo } from '../git/repo.js';
import type { SourceBytes } from '../source/file-bytes.js';
import { classifyPath } from '../load/layout.js';
import type { InputFile } from '../load/source-file.js';
import type { CompileCache } from './compile-cache.js';
import { startModuleWorker } from '../core/module-worker.js';
import type { VersionTag } from '../model/version.js';
import type { Selection } from '../model/selection.js';

/**
 * Below this many files without a record, compile does the work itself: starting workers costs
 * more than it saves (a worker loads its modules and compiles its schemas, and code runs slower
 * until it is warm: docs/performance.md, "Threads"), and the parsed files of a few thousand
 * services fit in memory.
 */
const WORKER_THRESHOLD = 8000;

export interface PrefetchOptions {
  /** Threads to use, this one included (default: `TAGWAY_THREADS`, else one per two cores). */
  readonly threads?: number;
  /** Files without a record below which no worker is started (default 8,000). */
  readonly workerThreshold?: number;
}

/** A source as sent to a worker: its bytes in the job's buffer, or read there (as file-bytes.ts reads them). */
export interface WireSource {
  readonly path: string;
  readonly oid?: string;
  readonly revision?: string;
  /** Start and end of its bytes in the job's buffer. */
  readonly bytes?: readonly [number, number];
}

export interface PrefetchJob {
  /** The repository the files are read from: its work tree and its git directory. */
  readonly root: string;
  readonly gitdir: string;
  readonly services: readonly string[];
  readonly files: readonly WireSource[];
  /** See `SourceTree.overlaysOf`. */
  readonly overlaysOf?: readonly string[];
  readonly tags: readonly VersionTag[];
  readonly templatesAtTags: readonly (readonly [string, WireSource])[];
  readonly commit: string | null;
  readonly draft: boolean;
  readonly selection?: Selection;
  /** False: findings only (see `CompileInput.snapshots`). */
  readonly snapshots: boolean;
  readonly buffer: ArrayBuffer;
}

/** Records a worker made, sent every few dozen services. */
export interface PrefetchResult {
  /** Records encoded as the cache stores them, each a range of `buffer`. */
  readonly entries: readonly { readonly kind: 'file' | 'unit'; readonly key: string; readonly start: number; readonly end: number }[];
  readonly buffer: ArrayBuffer;
}

/**
 * Starts reading the tree's files now when `prefetch` will read every one of them on this thread
 * (a cold run on one thread), so that git reads them while the caller does other work (looking up
 * the templates at tags); the caller waits for it before `prefetch`. Null otherwise.
 */
export function readTreeEarly(files: readonly InputFile[], cache: CompileCache, bytes: SourceBytes, options: PrefetchOptions = {}): Promise<void> | null {
  if (threadsFor(options) >= 2 || missingTreeFiles(files, cache).length < (options.workerThreshold ?? WORKER_THRESHOLD)) return null;
  const reading = bytes.load(files);
  // Its failure is prefetch's to report (a file gone since the listing): not unhandled meanwhile.
  reading.catch(() => {});
  return reading;
}

/**
 * Reads the files whose records the cache lacks (`missing`: `missingSources(input, cache)`, when
 * the caller has it already) and, when there are many, prepares their records; returns `input`
 * with the bytes read (see `withBytesRead`). `input.memo` is the build's memo of `cache` and `bytes`.
 */
export async function prefetch(
  repo: GitRepo,
  input: CompileInput & { readonly memo: NonNullable<CompileInput['memo']> },
  cache: CompileCache,
  bytes: SourceBytes,
  options: PrefetchOptions = {},
  missing = missingSources(input, cache),
): Promise<CompileInput> {
  const threads = threadsFor(options);
  if (missing.length < (options.workerThreshold ?? WORKER_THRESHOLD)) {
    await bytes.load(missing);
    return withBytesRead(input, bytes);
  }
  if (threads < 2) {
    // One thread: the same work in chunks of a few dozen services, whose parsed files are
    // dropped before the next are parsed; compile then reads the records. As fast as compiling
    // directly, with less memory (docs/performance.md, "Threads").
    await bytes.load(sourcesToRead(input.tree.files, input.templatesAtTags.values()));
    const read = withBytesRead(input, bytes);
    prefillMemo({ ...read, memo: input.memo }, partition(read, 1)[0] ?? []);
    cache.save();
    return read;
  }
  const parts = partition(input, threads);
  const receive = (result: PrefetchResult) => {
    const bytes = new Uint8Array(result.buffer);
    for (const e of result.entries) cache.ingest(e.kind, e.key, bytes.subarray(e.start, e.end));
  };
  // Workers start (loading modules, compiling schemas) while this thread does its own part.
  const workers = parts.slice(1).map((part) => runWorker(jobFor(repo, input, part, bytes), receive));
  const own = parts[0]!;
  const ownInput = servicesInput(input, new Set(own));
  await bytes.load(sourcesToRead(ownInput.tree.files, ownInput.templatesAtTags.values()));
  prefillMemo({ ...withBytesRead(ownInput, bytes), memo: input.memo }, own);
  await Promise.all(workers);
  cache.save();
  return withBytesRead(input, bytes);
}

/**
 * `input` with the bytes `bytes` has read so far filled in: compile then reads (through the memo)
 * only the files whose results the cache holds, and only if it needs more than those.
 */
function withBytesRead(input: CompileInput, bytes: SourceBytes): CompileInput {
  const templatesAtTags = new Map<string, InputFile>();
  for (const [tag, file] of input.templatesAtTags) templatesAtTags.set(tag, bytes.filled(file));
  return { ...input, tree: bytes.filledTree(input.tree), templatesAtTags };
}

/**
 * The sources a prefill reads: the tree's files, and the templates at tags that are not the tree's
 * file at their path by blob id. For those, compile takes the tree's file (see `templateAt` in
 * compile.ts): when each service's tag holds its worktree template, a third of the blobs are not read.
 */
export function sourcesToRead(files: readonly InputFile[], templatesAtTags: Iterable<InputFile>): InputFile[] {
  const oids = new Map(files.map((f) => [f.path, f.oid]));
  const out = [...files];
  for (const t of templatesAtTags) if (t.oid === undefined || oids.get(t.path) !== t.oid) out.push(t);
  return out;
}

/**
 * One thread per two cores. A single thread already keeps about one and a half cores busy: V8
 * collects garbage and optimises code on threads of its own. On two cores a worker only competes
 * with them, and a cold compile takes longer with one (docs/performance.md, "Threads").
 */
function defaultThreads(): number {
  return Math.max(1, Math.floor(os.availableParallelism() / 2));
}

function threadsFor(options: PrefetchOptions): number {
  return Math.max(1, options.threads ?? (Number(process.env['TAGWAY_THREADS']) || defaultThreads()));
}

/** Sources compile will have to read: those without a record in the cache (group files always). */
export function missingSources(input: CompileInput, cache: CompileCache): InputFile[] {
  const missing = missingTreeFiles(input.tree.files, cache);
  const treeOids = new Map(input.tree.files.map((f) => [f.path, f.oid]));
  for (const source of input.templatesAtTags.values()) {
    // A tag's template that is the tree's file is prepared as that file.
    if (source.oid !== undefined && treeOids.get(source.path) === source.oid) continue;
    if (source.oid === undefined || cache.file(fileKey('template', source.path, source.revision, source.oid)) === undefined) missing.push(source);
  }
  return missing;
}

/** The tree's files compile will have to read. */
function missingTreeFiles(files: readonly InputFile[], cache: CompileCache): InputFile[] {
  const missing: InputFile[] = [];
  for (const source of files) {
    const role = classifyPath(source.path);
    if (role.kind === 'other' || role.kind === 'stray' || source.oid === undefined) continue;
    if (role.kind === 'group' || cache.file(fileKey(role.kind, source.path, source.revision, source.oid)) === undefined) missing.push(source);
  }
  return missing;
}

/** The services of the repository in `n` parts of about the same number of files. */
function partition(input: CompileInput, n: number): string[][] {
  const weight = new Map<string, number>();
  const add = (service: string) => weight.set(service, (weight.get(service) ?? 0) + 1);
  for (const source of input.tree.files) {
    const role = classifyPath(source.path);
    if (role.kind === 'template' || role.kind === 'overlay') add(role.service);
  }
  for (const tag of input.tags) if (input.templatesAtTags.has(tag.tag)) add(tag.service);
  const services = [...weight.keys()].sort();
  const total = [...weight.values()].reduce((a, b) => a + b, 0);
  const parts: string[][] = Array.from({ length: n }, () => []);
  let filled = 0;
  let part = 0;
  for (const service of services) {
    if (part < n - 1 && filled >= ((part + 1) * total) / n) part++;
    parts[part]!.push(service);
    filled += weight.get(service)!;
  }
  return parts.filter((p) => p.length > 0);
}

function jobFor(repo: GitRepo, input: CompileInput, services: readonly string[], read: SourceBytes): PrefetchJob {
  const part = servicesInput(input, new Set(services));
  const chunks: Uint8Array[] = [];
  let size = 0;
  const wire = (source: InputFile): WireSource => {
    const base = {
      path: source.path,
      ...(source.oid !== undefined ? { oid: source.oid } : {}),
      ...(source.revision !== undefined ? { revision: source.revision } : {}),
    };
    const bytes = read.filled(source).bytes;
    if (bytes === null) return base;
    chunks.push(bytes);
    size += bytes.byteLength;
    return { ...base, bytes: [size - bytes.byteLength, size] };
  };
  const files = part.tree.files.map(wire);
  const templatesAtTags = [...part.templatesAtTags].map(([tag, source]) => [tag, wire(source)] as const);
  const buffer = new ArrayBuffer(size);
  const view = new Uint8Array(buffer);
  let at = 0;
  for (const chunk of chunks) {
    view.set(chunk, at);
    at += chunk.byteLength;
  }
  return {
    root: repo.dir,
    gitdir: repo.gitdir,
    services,
    files,
    ...(part.tree.overlaysOf ? { overlaysOf: part.tree.overlaysOf } : {}),
    tags: part.tags,
    templatesAtTags,
    commit: part.commit,
    draft: part.draft === true,
    ...(part.selection ? { selection: part.selection } : {}),
    snapshots: part.snapshots !== false,
    buffer,
  };
}

/** Runs a job on a worker thread; `receive` gets its results as they come. */
function runWorker(job: PrefetchJob, receive: (result: PrefetchResult) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const worker = startModuleWorker(import.meta.url, 'prefetch-worker');
    worker.on('message', (message: PrefetchResult | { readonly done: true }) => {
      if ('done' in message) {
        resolve();
        void worker.terminate();
      } else receive(message);
    });
    worker.once('error', reject);
    worker.once('exit', (code) => {
      if (code !== 0) reject(new Error(`prefetch worker exited with ${code}`));
    });
    worker.postMessage(job, [job.buffer]);
  });
}

