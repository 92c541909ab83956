import type { SourceFile } from '../load/source-file.js';

/**
 * Source files whose bytes are read when first used, so a compile that takes a file's results
 * from its cache need not read the file. The bytes are fixed by the blob id the file carries:
 * reading later gives what reading now would (a file changed in between is a race the caller
 * accepts, as with any read). `loadSources` reads many at once before they are needed.
 *
 * `bytes` is an accessor of the class, so an object spread (`{ ...source }`) does not copy it:
 * copy with `{ ...source, bytes: source.bytes }`.
 */
export interface Batch {
  /** The sources' bytes in order; undefined for one that could not be read this way (it is read alone when used). */
  readMany(sources: readonly SourceFile[]): Promise<readonly (Uint8Array | undefined)[]>;
}

/**
 * Where a deferred source's bytes come from, as plain data (another thread can read them too):
 * a worktree file (`path` relative to `root`, read through the guarded reader) or a git blob.
 */
export type SourceOrigin =
  | { readonly kind: 'file'; readonly root: string; readonly path: string }
  | { readonly kind: 'blob'; readonly gitdir: string; readonly oid: string };

/**
 * Reads many deferred sources of one place (a worktree) without a closure and an origin object
 * per source: both are derived from the source's path when needed.
 */
export interface SourceReader {
  read(path: string): Uint8Array;
  origin(path: string): SourceOrigin;
}

class DeferredSource implements SourceFile {
  #bytes: Uint8Array | null = null;
  readonly path: string;
  readonly oid: string;
  declare readonly revision?: string;
  readonly #read: (() => Uint8Array) | SourceReader;
  readonly batch: Batch | undefined;
  readonly #origin: SourceOrigin | undefined;

  constructor(path: string, oid: string, revision: string | undefined, read: (() => Uint8Array) | SourceReader, batch: Batch | undefined, origin: SourceOrigin | undefined) {
    this.path = path;
    this.oid = oid;
    if (revision !== undefined) (this as { revision?: string }).revision = revision;
    this.#read = read;
    this.batch = batch;
    this.#origin = origin;
  }

  get origin(): SourceOrigin | undefined {
    return this.#origin ?? (typeof this.#read === 'function' ? undefined : this.#read.origin(this.path));
  }

  get bytes(): Uint8Array {
    this.#bytes ??= typeof this.#read === 'function' ? this.#read() : this.#read.read(this.path);
    return this.#bytes;
  }

  get loaded(): boolean {
    return this.#bytes !== null;
  }

  provide(bytes: Uint8Array): void {
    this.#bytes ??= bytes;
  }
}

export function deferredSource(
  meta: { readonly path: string; readonly oid: string; readonly revision?: string },
  read: (() => Uint8Array) | SourceReader,
  options: { readonly batch?: Batch; readonly origin?: SourceOrigin } = {},
): SourceFile {
  return new DeferredSource(meta.path, meta.oid, meta.revision, read, options.batch, options.origin);
}

/** Where a deferred source's bytes come from, while they are not read; null otherwise. */
export function unreadOrigin(source: SourceFile): SourceOrigin | null {
  return source instanceof DeferredSource && !source.loaded ? (source.origin ?? null) : null;
}

/** True when the source's bytes are in memory (a plain source, or a deferred one already read). */
export function isLoaded(source: SourceFile): boolean {
  return !(source instanceof DeferredSource) || source.loaded;
}

/** Reads the bytes of the deferred sources among `sources` that are not read yet, batching where it can. */
export async function loadSources(sources: Iterable<SourceFile>): Promise<void> {
  const batches = new Map<Batch, DeferredSource[]>();
  for (const source of sources) {
    if (!(source instanceof DeferredSource) || source.loaded) continue;
    if (!source.batch) {
      void source.bytes;
      continue;
    }
    let list = batches.get(source.batch);
    if (!list) batches.set(source.batch, (list = []));
    list.push(source);
  }
  for (const [batch, list] of batches) {
    const read = await batch.readMany(list);
    list.forEach((source, i) => {
      const bytes = read[i];
      if (bytes !== undefined) source.provide(bytes);
    });
  }
}
