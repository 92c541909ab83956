/**
 * The bytes of the files a source listed without reading them (`InputFile.bytes: null`): a
 * worktree's files git calls unchanged (their index entry's blob id known), and the files of a
 * revision or of a version tag (git blobs). Many are read at once (`load`) before they are needed;
 * any other is read when asked for (`read`), synchronously. The bytes are fixed by the blob id the
 * file carries: read later, they are what reading now would give (a worktree file changed in
 * between is a race the caller accepts, as with any read).
 *
 * Where a file's bytes are follows from the file: one of the worktree (no `revision`) is read from
 * the work tree by its path, through the guarded reader (repo-file.ts), or many by their blob ids
 * through git; one of a revision or a tag is its blob.
 */
import { gitReader } from '../git/reader.js';
import type { GitReader } from '../git/reader.js';
import type { GitRepo } from '../git/repo.js';
import { withBytes } from '../load/source-file.js';
import type { InputFile, SourceFile, SourceTree } from '../load/source-file.js';
import { sizeChecked } from './git-revision.js';
import { repoFileReader } from './repo-file.js';
import type { RepoFileReader } from './repo-file.js';
import { readWorktreeFile } from './worktree.js';

/** Below this many worktree files, reading them one by one costs less than starting git. */
const BLOB_BATCH_MIN = 256;

export class SourceBytes {
  readonly #repo: GitRepo;
  readonly #git: GitReader;
  #worktree: RepoFileReader | null = null;
  readonly #read = new Map<InputFile, Uint8Array>();

  /** The bytes of the files listed from `repo` (its work tree and its objects). */
  constructor(repo: GitRepo, git: GitReader = gitReader(repo)) {
    this.#repo = repo;
    this.#git = git;
  }

  /** Whether `file` is listed without bytes, and they are not read yet. */
  unread(file: InputFile): boolean {
    return file.bytes === null && !this.#read.has(file);
  }

  /** Whether `file` is a blob of a revision or a tag listed without bytes, not read yet. */
  unreadBlob(file: InputFile): boolean {
    return file.revision !== undefined && this.unread(file);
  }

  /**
   * Reads the bytes of the unread files among `files`, many at a time. Many files of the worktree
   * are read by their blob ids through `git cat-file --batch`, as the benchmark's floor does: git
   * reads its packs, a few files in sequence, on other cores, where reading thousands of small
   * files one by one costs this thread a system call each, and a disk read each once the files
   * have left the page cache; a blob read by its id is the very content the id names, so the
   * compile cache, keyed by it, can only hold what that content gives. Few files, or a blob git
   * cannot give (a damaged or partial repository), are read from the worktree instead. A blob of a
   * revision or a tag that the repository does not hold is left unread (reading it throws
   * MissingObjectError): the build finds those before compile runs (src/incremental/clone-gaps.ts).
   */
  async load(files: Iterable<InputFile>): Promise<void> {
    const worktree: InputFile[] = [];
    const blobs: InputFile[] = [];
    for (const file of files) {
      if (!this.unread(file)) continue;
      (file.revision === undefined ? worktree : blobs).push(file);
    }
    if (worktree.length >= BLOB_BATCH_MIN) {
      const read = await this.#git.readBlobs(worktree.map((f) => f.oid!)).catch(() => null);
      if (read !== null) {
        for (const file of worktree) this.#keep(file, read.blobs.get(file.oid!));
      } else {
        for (const file of worktree) this.read(file);
      }
    } else {
      for (const file of worktree) this.read(file);
    }
    if (blobs.length > 0) {
      const read = await this.#git.readBlobs(blobs.map((f) => f.oid!));
      for (const file of blobs) this.#keep(file, read.blobs.get(file.oid!));
    }
  }

  /** Keeps a blob read for `file`, unless it was read (alone) meanwhile. */
  #keep(file: InputFile, blob: Uint8Array | undefined): void {
    if (blob !== undefined && !this.#read.has(file)) this.#read.set(file, sizeChecked(blob));
  }

  /**
   * The bytes of `file`: its own, those read before, or read now. A worktree file refused now (it
   * was replaced by a link, a FIFO or a folder since git listed it) is an error that says why,
   * never its content; a blob the repository does not hold is a MissingObjectError.
   */
  read(file: InputFile): Uint8Array {
    if (file.bytes !== null) return file.bytes;
    let bytes = this.#read.get(file);
    if (bytes === undefined) {
      bytes = file.revision === undefined ? readWorktreeFile((this.#worktree ??= repoFileReader(this.#repo.dir)), file.path) : sizeChecked(this.#git.readBlobSync(file.oid!));
      this.#read.set(file, bytes);
    }
    return bytes;
  }

  /** `file` with the bytes read so far; itself when it has its own or none are read. */
  filled(file: InputFile): InputFile {
    if (file.bytes !== null) return file;
    const bytes = this.#read.get(file);
    return bytes === undefined ? file : withBytes(file, bytes);
  }

  /** `tree` with the bytes read so far (see `filled`). */
  filledTree(tree: SourceTree): SourceTree {
    return { ...tree, files: tree.files.map((f) => this.filled(f)) };
  }

  /** `file` with its bytes, read now if need be (see `read`). */
  source(file: InputFile): SourceFile {
    return file.bytes !== null ? (file as SourceFile) : withBytes(file, this.read(file));
  }
}
