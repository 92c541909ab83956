/**
 * Refs read straight from the git dir with node:fs, as git lays them out: loose files under
 * `refs/`, overriding entries of `packed-refs`. Reading them here rather than one isomorphic-git
 * `resolveRef` per tag keeps listing N tags at one read of `packed-refs` instead of N, and lets
 * HEAD come from the right git dir in a linked worktree.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { GitRepo } from './repo.js';

const OID = /^[0-9a-f]{40}$/;
/** git follows at most this many symbolic refs (refs/refs.c SYMREF_MAXDEPTH). */
const MAX_SYMREF_DEPTH = 5;

export interface PackedRefs {
  /** Full ref name → oid. */
  readonly refs: ReadonlyMap<string, string>;
  /** Full ref name → fully peeled oid, for packed refs that point at tag objects. */
  readonly peeled: ReadonlyMap<string, string>;
  /**
   * Whether a packed ref under refs/tags/ without a peeled line is known not to point at a tag
   * object (header traits `peeled` or `fully-peeled`, written by every git since 1.7).
   */
  readonly tagsPeeled: boolean;
}

/**
 * The refs of `packed-refs`; with `prefixes`, only those whose names start with one of them (the
 * file is searched for them rather than read line by line: a repository may pack tens of
 * thousands of tags).
 */
export async function readPackedRefs(repo: GitRepo, options: { readonly prefixes?: readonly string[] } = {}): Promise<PackedRefs> {
  const refs = new Map<string, string>();
  const peeled = new Map<string, string>();
  let tagsPeeled = false;
  // Synchronous reads, here and for loose refs: a few small local files, read at once, not one
  // thread-pool round trip each while the event loop is busy with git's output.
  const text = readOrNull(path.join(repo.gitdir, 'packed-refs')) ?? '';
  let last: string | null = null;
  for (const line of options.prefixes ? linesNaming(text, options.prefixes) : text.split('\n')) {
    if (line.startsWith('#')) {
      const traits = /^# pack-refs with:(.*)$/.exec(line)?.[1]?.split(' ') ?? [];
      tagsPeeled ||= traits.includes('peeled') || traits.includes('fully-peeled');
    } else if (line.startsWith('^')) {
      const oid = line.slice(1).trim();
      if (last !== null && OID.test(oid)) peeled.set(last, oid);
    } else {
      const space = line.indexOf(' ');
      const oid = line.slice(0, space);
      last = null;
      if (space > 0 && OID.test(oid)) {
        last = line.slice(space + 1).trim();
        refs.set(last, oid);
      }
    }
  }
  return { refs, peeled, tagsPeeled };
}

/** The header line of packed-refs, and each line naming a ref under one of `prefixes` followed by its peeled line. */
function linesNaming(text: string, prefixes: readonly string[]): string[] {
  const lineAt = (start: number) => {
    const end = text.indexOf('\n', start);
    return text.slice(start, end < 0 ? text.length : end);
  };
  const lines: string[] = [];
  const header = lineAt(0);
  if (header.startsWith('#')) lines.push(header);
  const starts = new Set<number>();
  for (const prefix of prefixes) {
    // A ref line is `<oid> <name>`: its name follows the only space.
    for (let at = text.indexOf(` ${prefix}`); at >= 0; at = text.indexOf(` ${prefix}`, at + 1)) starts.add(text.lastIndexOf('\n', at) + 1);
  }
  for (const start of [...starts].sort((a, b) => a - b)) {
    const line = lineAt(start);
    lines.push(line);
    const next = start + line.length + 1;
    if (text[next] === '^') lines.push(lineAt(next));
  }
  return lines;
}

/** What tells whether the version tags changed: packed-refs by its stat data (git replaces the file to change it), and each loose ref under refs/tags/ by its content. */
export interface TagRefsState {
  readonly packed: string | null;
  readonly loose: readonly (readonly [ref: string, content: string])[];
}

export function tagRefsState(repo: GitRepo): TagRefsState {
  let packed: string | null = null;
  try {
    const st = fs.statSync(path.join(repo.gitdir, 'packed-refs'), { bigint: true });
    packed = [st.ino, st.dev, st.size, st.mtimeNs, st.ctimeNs].join(':');
  } catch {
    // No packed-refs.
  }
  const root = path.join(repo.gitdir, 'refs', 'tags');
  const loose = walkFiles(root)
    .map((file) => [`refs/tags/${path.relative(root, file).split(path.sep).join('/')}`, (readOrNull(file) ?? '').trim()] as const)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { packed, loose };
}

/**
 * git's rules for ref names (git-check-ref-format), enforced before a name becomes a file path.
 * `allowOneLevel` admits pseudorefs such as HEAD and FETCH_HEAD.
 */
export function isValidRefName(name: string): boolean {
  if (name.length === 0 || name === '@') return false;
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(name)) return false;
  if (name.includes('..') || name.includes('@{') || name.includes('//')) return false;
  if (name.startsWith('/') || name.endsWith('/') || name.endsWith('.')) return false;
  return name.split('/').every((part) => !part.startsWith('.') && !part.endsWith('.lock'));
}

/** Per-worktree refs (HEAD, FETCH_HEAD, refs/bisect/…) live in the worktree's own git dir. */
function refFile(repo: GitRepo, ref: string): string {
  const perWorktree =
    !ref.startsWith('refs/') || /^refs\/(bisect|worktree|rewritten)\//.test(ref);
  return path.join(perWorktree ? repo.worktreeGitdir : repo.gitdir, ...ref.split('/'));
}

/** Raw target of one ref: an oid, `ref: <name>` for a symbolic ref, or null when absent. */
async function readRefTarget(repo: GitRepo, ref: string, packed: PackedRefs): Promise<string | null> {
  const text = readOrNull(refFile(repo, ref));
  if (text !== null) {
    const first = text.split('\n', 1)[0] ?? '';
    if (first.startsWith('ref:')) return `ref: ${first.slice(4).trim()}`;
    // FETCH_HEAD lines are `<oid>\t<flags>\t<description>`; the first oid is what git resolves.
    const oid = first.slice(0, 40);
    if (OID.test(oid)) return oid;
    return null;
  }
  return packed.refs.get(ref) ?? null;
}

/** The oid a full ref name (or pseudoref) points at, following symbolic refs; null when absent. */
export async function resolveRefName(
  repo: GitRepo,
  ref: string,
  packed?: PackedRefs,
): Promise<string | null> {
  if (!isValidRefName(ref)) return null;
  const refs = packed ?? (await readPackedRefs(repo));
  let name = ref;
  for (let depth = 0; depth <= MAX_SYMREF_DEPTH; depth++) {
    const target = await readRefTarget(repo, name, refs);
    if (target === null) return null;
    if (!target.startsWith('ref: ')) return target;
    name = target.slice(5);
    if (!isValidRefName(name)) return null;
  }
  return null;
}

/** The target of a symbolic ref (e.g. HEAD → refs/heads/main) without following it; null if not symbolic. */
export async function readSymbolicRef(repo: GitRepo, ref: string): Promise<string | null> {
  if (!isValidRefName(ref)) return null;
  const target = await readRefTarget(repo, ref, { refs: new Map(), peeled: new Map(), tagsPeeled: false });
  return target?.startsWith('ref: ') === true ? target.slice(5) : null;
}

/**
 * How `git rev-parse` reads a name (gitrevisions(7)): `<name>` when it is a pseudoref (all capitals,
 * like HEAD) or a full ref, then refs/<name>, refs/tags/<name>, refs/heads/<name>,
 * refs/remotes/<name>, refs/remotes/<name>/HEAD; the first that exists wins.
 */
export async function dwimRef(
  repo: GitRepo,
  name: string,
): Promise<{ readonly ref: string; readonly oid: string } | null> {
  if (!isValidRefName(name)) return null;
  const packed = await readPackedRefs(repo);
  const candidates = [
    ...(/^[A-Z][A-Z_]*$/.test(name) || name.startsWith('refs/') ? [name] : []),
    `refs/${name}`,
    `refs/tags/${name}`,
    `refs/heads/${name}`,
    `refs/remotes/${name}`,
    `refs/remotes/${name}/HEAD`,
  ];
  for (const ref of candidates) {
    const oid = await resolveRefName(repo, ref, packed);
    if (oid !== null) return { ref, oid };
  }
  return null;
}

/**
 * Every ref under `prefix` (e.g. 'refs/tags/') → the oid it points at, loose refs overriding
 * packed ones. Symbolic refs are followed; dangling ones are left out. `packedOnly` names the refs
 * whose value came from packed-refs (their peeled lines apply).
 */
export async function listRefs(
  repo: GitRepo,
  prefix: string,
  packed?: PackedRefs,
): Promise<{ readonly refs: Map<string, string>; readonly packedOnly: ReadonlySet<string> }> {
  const refsFile = packed ?? (await readPackedRefs(repo));
  const refs = new Map<string, string>();
  const packedOnly = new Set<string>();
  for (const [ref, oid] of refsFile.refs) {
    if (ref.startsWith(prefix)) {
      refs.set(ref, oid);
      packedOnly.add(ref);
    }
  }
  const root = path.join(repo.gitdir, ...prefix.split('/').filter((part) => part.length > 0));
  for (const file of walkFiles(root)) {
    const ref = prefix + path.relative(root, file).split(path.sep).join('/');
    if (!isValidRefName(ref)) continue;
    const oid = await resolveRefName(repo, ref, refsFile);
    packedOnly.delete(ref);
    if (oid === null) refs.delete(ref);
    else refs.set(ref, oid);
  }
  return { refs, packedOnly };
}

function walkFiles(dir: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const files: string[] = [];
  for (const entry of entries) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walkFiles(full));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** A file's text, or null when it cannot be read (absent, a folder, …). */
function readOrNull(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}
