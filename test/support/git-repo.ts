/**
 * Temporary git repositories built with the real `git` CLI, for every test of the project that
 * needs a repository (git module, compiler fixtures, publish/rollback, sync).
 *
 * Contract:
 * - Each repository lives in its own folder under `os.tmpdir()`; `cleanup()` removes it.
 * - `git` runs with no system or global configuration and no inherited `GIT_*` variables, so the
 *   machine's settings (signing, default branch, hooks, autocrlf, a surrounding `GIT_DIR`) never
 *   change a test.
 * - Author, committer and tagger are fixed, and the date advances by one minute per commit or
 *   tag, so object ids are the same on every run and machine.
 * - Everything is synchronous: a test reads top to bottom like the shell session it replaces.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** Contents of a file to write: text (UTF-8) or bytes, or a symlink, or an executable file. */
export type FileSpec =
  | string
  | Uint8Array
  | { readonly symlink: string }
  | { readonly content: string | Uint8Array; readonly executable: true };

export interface MakeRepoOptions {
  /** Files of the first commit, by repository-relative path (forward slashes). */
  readonly files?: Readonly<Record<string, FileSpec>>;
  /** Name of the initial branch; default `main`. */
  readonly branch?: string;
  /** Message of the first commit; `false` leaves the branch unborn (no commit). Default 'initial'. */
  readonly commit?: string | false;
  /** `git init --bare`: no work tree; `write`/`commit` are unavailable. */
  readonly bare?: boolean;
}

export interface TagOptions {
  /** Annotated tag (a tag object) instead of a lightweight ref. Default true when `message` is set. */
  readonly annotated?: boolean;
  /** Message of an annotated tag; default `Release <name>`. */
  readonly message?: string;
  /** Revision to tag; default HEAD. */
  readonly target?: string;
  /** Move an existing tag (`git tag -f`). */
  readonly force?: boolean;
}

export interface CommitOptions {
  /** Commit only what is already staged instead of `git add -A` first. */
  readonly staged?: boolean;
}

export interface TempRepo {
  /** Absolute, symlink-free path of the work tree (of the git dir for a bare repository). */
  readonly dir: string;
  /** Runs `git <args>` in `dir`; returns stdout without the trailing newline; throws on failure. */
  git(...args: string[]): string;
  /** Writes a file (creating folders); a symlink or executable file when `content` says so. */
  write(file: string, content: FileSpec): void;
  /** Writes several files. */
  writeAll(files: Readonly<Record<string, FileSpec>>): void;
  /** Removes a file or folder from the work tree. */
  remove(file: string): void;
  /** Reads a work-tree file as UTF-8. */
  read(file: string): string;
  /** `git add -A` (unless `staged`) then `git commit --allow-empty`; returns the new commit oid. */
  commit(message: string, options?: CommitOptions): string;
  /** Creates a tag; returns the oid its ref points at (the tag object when annotated). */
  tag(name: string, options?: TagOptions): string;
  /** `git rev-parse --verify <rev>` — full oid. */
  revParse(rev: string): string;
  /** Removes the repository folder. Safe to call twice. */
  cleanup(): void;
}

const IDENTITY = {
  GIT_AUTHOR_NAME: 'Tagway Test',
  GIT_AUTHOR_EMAIL: 'test@tagway.invalid',
  GIT_COMMITTER_NAME: 'Tagway Test',
  GIT_COMMITTER_EMAIL: 'test@tagway.invalid',
} as const;

/** 2024-01-01T00:00:00Z; each commit or tag is one minute after the previous one of its repo. */
const EPOCH_SECONDS = 1_704_067_200;

/** Settings that would otherwise come from the machine and make a test flaky or slow. */
const CONFIG: readonly (readonly [string, string])[] = [
  ['init.defaultBranch', 'main'],
  ['commit.gpgSign', 'false'],
  ['tag.gpgSign', 'false'],
  ['tag.forceSignAnnotated', 'false'],
  ['core.autocrlf', 'false'],
  ['core.symlinks', 'true'],
  ['core.hooksPath', os.devNull],
  ['gc.auto', '0'],
  ['maintenance.auto', 'false'],
  ['advice.detachedHead', 'false'],
  ['protocol.file.allow', 'always'],
];

function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('GIT_')) env[key] = value;
  }
  Object.assign(env, IDENTITY, {
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: os.devNull,
    GIT_TERMINAL_PROMPT: '0',
    GIT_CONFIG_COUNT: String(CONFIG.length),
    LC_ALL: 'C',
  });
  CONFIG.forEach(([key, value], i) => {
    env[`GIT_CONFIG_KEY_${i}`] = key;
    env[`GIT_CONFIG_VALUE_${i}`] = value;
  });
  return env;
}

/**
 * Runs the git CLI in `cwd` with the isolated environment of this module; `date` (seconds since
 * the epoch) fixes author, committer and tagger dates. Exported for tests that need git outside a
 * TempRepo (e.g. `git ls-remote` on a path).
 */
export function runGit(cwd: string, args: readonly string[], date?: number): string {
  const env = baseEnv();
  if (date !== undefined) {
    env['GIT_AUTHOR_DATE'] = `@${date} +0000`;
    env['GIT_COMMITTER_DATE'] = `@${date} +0000`;
  }
  try {
    const out = execFileSync('git', args, {
      cwd,
      env,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
      maxBuffer: 256 * 1024 * 1024,
    });
    return out.endsWith('\n') ? out.slice(0, -1) : out;
  } catch (error) {
    const stderr = (error as { stderr?: unknown }).stderr;
    throw new Error(`git ${args.join(' ')} failed in ${cwd}: ${String(stderr ?? error).trim()}`, {
      cause: error,
    });
  }
}

/**
 * Deletes a loose object from a repository's object store (as a damaged repository lacks it).
 * The object must be loose: the repositories `makeRepo` builds keep every object loose until
 * `git gc`.
 */
export function deleteLooseObject(repo: TempRepo, oid: string): void {
  const gitdir = runGit(repo.dir, ['rev-parse', '--absolute-git-dir']);
  fs.rmSync(path.join(gitdir, 'objects', oid.slice(0, 2), oid.slice(2)));
}

/** A fresh empty folder under the temp dir (not a repository); for "not a git repo" cases. */
export function makeTempDir(prefix = 'tagway-'): { readonly dir: string; cleanup(): void } {
  const dir = fs.realpathSync(fs.mkdtempSync(path.join(os.tmpdir(), prefix)));
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

function createTempRepo(dir: string, bare: boolean, onCleanup: () => void): TempRepo {
  let clock = EPOCH_SECONDS;
  const git = (...args: string[]): string => runGit(dir, args, clock);
  const inTree = (file: string): string => {
    if (bare) throw new Error('a bare repository has no work tree');
    const full = path.resolve(dir, file);
    if (full !== dir && !full.startsWith(dir + path.sep)) {
      throw new Error(`path leaves the repository: ${file}`);
    }
    return full;
  };

  const repo: TempRepo = {
    dir,
    git,
    write(file, content) {
      const full = inTree(file);
      fs.mkdirSync(path.dirname(full), { recursive: true });
      fs.rmSync(full, { force: true });
      if (typeof content === 'string' || content instanceof Uint8Array) {
        fs.writeFileSync(full, content);
      } else if ('symlink' in content) {
        fs.symlinkSync(content.symlink, full);
      } else {
        fs.writeFileSync(full, content.content);
        fs.chmodSync(full, 0o755);
      }
    },
    writeAll(files) {
      for (const [file, content] of Object.entries(files)) repo.write(file, content);
    },
    remove(file) {
      fs.rmSync(inTree(file), { recursive: true, force: true });
    },
    read(file) {
      return fs.readFileSync(inTree(file), 'utf8');
    },
    commit(message, options = {}) {
      inTree('.');
      if (options.staged !== true) git('add', '-A');
      clock += 60;
      git('commit', '--quiet', '--allow-empty', '--no-verify', '-m', message);
      return git('rev-parse', '--verify', 'HEAD');
    },
    tag(name, options = {}) {
      const annotated = options.annotated ?? options.message !== undefined;
      const args = ['tag'];
      if (options.force === true) args.push('-f');
      if (annotated) args.push('-a', '-m', options.message ?? `Release ${name}`);
      args.push(name);
      if (options.target !== undefined) args.push(options.target);
      clock += 60;
      git(...args);
      return git('rev-parse', '--verify', `refs/tags/${name}`);
    },
    revParse(rev) {
      return git('rev-parse', '--verify', '--end-of-options', rev);
    },
    cleanup: onCleanup,
  };
  return repo;
}

/**
 * Creates a repository: `git init -b <branch>`, writes `files` and commits them (unless
 * `commit: false`). An empty `files` still makes a (empty) first commit unless `commit: false`.
 */
export function makeRepo(options: MakeRepoOptions = {}): TempRepo {
  const temp = makeTempDir('tagway-repo-');
  const bare = options.bare === true;
  try {
    const args = ['init', '--quiet', '-b', options.branch ?? 'main'];
    if (bare) args.push('--bare');
    runGit(temp.dir, [...args, '.']);
    const repo = createTempRepo(temp.dir, bare, temp.cleanup);
    if (!bare) {
      repo.writeAll(options.files ?? {});
      if (options.commit !== false) repo.commit(options.commit ?? 'initial');
    }
    return repo;
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}

export interface CloneOptions {
  /** `--depth <n>`: a shallow clone, as CI checkouts usually are. */
  readonly depth?: number;
  /**
   * `--filter=<spec>` (e.g. `blob:none`): a partial clone, whose missing objects git fetches from
   * the source on demand. The source is configured to serve filters (`uploadpack.allowFilter`).
   */
  readonly filter?: string;
  /** `--no-tags`: no tags, now or on later fetches. */
  readonly noTags?: boolean;
  readonly bare?: boolean;
  /** `--branch <name>`. */
  readonly branch?: string;
}

/** `git clone` of another repository (a TempRepo or a path) into a new temporary folder. */
export function cloneRepo(source: TempRepo | string, options: CloneOptions = {}): TempRepo {
  const from = typeof source === 'string' ? source : source.dir;
  const temp = makeTempDir('tagway-clone-');
  try {
    const args = ['clone', '--quiet'];
    if (options.bare === true) args.push('--bare');
    if (options.branch !== undefined) args.push('--branch', options.branch);
    if (options.noTags === true) args.push('--no-tags');
    if (options.depth !== undefined) args.push('--depth', String(options.depth));
    if (options.filter !== undefined) {
      runGit(from, ['config', 'uploadpack.allowFilter', 'true']);
      args.push(`--filter=${options.filter}`);
    }
    // --depth and --filter are ignored for plain local paths; a file:// URL makes them take effect.
    args.push(options.depth !== undefined || options.filter !== undefined ? `file://${from}` : from);
    runGit(temp.dir, [...args, '.']);
    return createTempRepo(temp.dir, options.bare === true, temp.cleanup);
  } catch (error) {
    temp.cleanup();
    throw error;
  }
}
