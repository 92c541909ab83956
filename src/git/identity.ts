/**
 * The identity commits and tags are made with, found where `git commit` finds it — never made up.
 *
 * Precedence, highest first (git-commit-tree(1), git-config(1)):
 *   GIT_AUTHOR_NAME / GIT_AUTHOR_EMAIL (GIT_COMMITTER_* for the committer and tagger),
 *   configuration: GIT_CONFIG_COUNT parameters, then the repository's `.git/config`, then the
 *   global file ($GIT_CONFIG_GLOBAL, else $XDG_CONFIG_HOME/git/config and ~/.gitconfig), then the
 *   system file ($GIT_CONFIG_SYSTEM or /etc/gitconfig, unless GIT_CONFIG_NOSYSTEM) — in each,
 *   `author.*` / `committer.*` before `user.*`; finally $EMAIL for the address.
 * `include.path` and `includeIf "gitdir:…"` are followed; other `includeIf` conditions
 * (`onbranch:`, `hasconfig:`) are not evaluated and their files are skipped.
 * Where git would invent a name from the host (no configuration at all), this returns null.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { GitRepo } from './repo.js';

export interface Person {
  readonly name: string;
  readonly email: string;
}

export interface Identity {
  /** Who wrote the change; null when nothing configures it. */
  readonly author: Person | null;
  /** Who made the commit (and the tagger of tags); null when nothing configures it. */
  readonly committer: Person | null;
}

/** Environment variables the lookup reads; pass `process.env` at the edge, a fixed map in tests. */
export type IdentityEnv = Readonly<Record<string, string | undefined>>;

interface ConfigEntry {
  /** `section.key` or `section.subsection.key`, section and key lower-cased. */
  readonly key: string;
  readonly value: string | null;
}

const MAX_INCLUDE_DEPTH = 10;

/**
 * Parses `Name <email>` (the form of `git commit --author`). Null when it is not of that form:
 * a name and an address, neither containing `<`, `>` or a newline.
 */
export function parsePerson(text: string): Person | null {
  const match = /^\s*([^<>\n]*?)\s*<([^<>\n]*)>\s*$/.exec(text);
  const name = match?.[1];
  const email = match?.[2]?.trim();
  if (name === undefined || email === undefined || name === '' || email === '') return null;
  return { name, email };
}

/** `Name <email>`, as git prints a person. */
export function formatPerson(person: Person): string {
  return `${person.name} <${person.email}>`;
}

/** The configured author and committer of new commits in `repo`. */
export async function readIdentity(repo: GitRepo, env: IdentityEnv): Promise<Identity> {
  const entries = await readConfigEntries(repo, env);
  const last = (key: string): string | null => {
    for (let i = entries.length - 1; i >= 0; i--) {
      const entry = entries[i]!;
      if (entry.key === key && entry.value !== null) return entry.value;
    }
    return null;
  };
  const person = (role: 'author' | 'committer'): Person | null => {
    const upper = role.toUpperCase();
    const name = nonEmpty(env[`GIT_${upper}_NAME`]) ?? nonEmpty(last(`${role}.name`)) ?? nonEmpty(last('user.name'));
    const email =
      nonEmpty(env[`GIT_${upper}_EMAIL`]) ?? nonEmpty(last(`${role}.email`)) ?? nonEmpty(last('user.email')) ?? nonEmpty(env['EMAIL']);
    return name !== null && email !== null ? { name, email } : null;
  };
  return { author: person('author'), committer: person('committer') };
}

function nonEmpty(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? null : trimmed;
}

/** Every configuration entry, lowest precedence first, includes expanded in place. */
async function readConfigEntries(repo: GitRepo, env: IdentityEnv): Promise<ConfigEntry[]> {
  const home = nonEmpty(env['HOME']) ?? os.homedir();
  const files: string[] = [];
  if (env['GIT_CONFIG_NOSYSTEM'] === undefined || /^(0|false|no|off)$/i.test(env['GIT_CONFIG_NOSYSTEM'])) {
    files.push(nonEmpty(env['GIT_CONFIG_SYSTEM']) ?? '/etc/gitconfig');
  }
  const globalFile = env['GIT_CONFIG_GLOBAL'];
  if (globalFile !== undefined) {
    files.push(globalFile);
  } else {
    files.push(path.join(nonEmpty(env['XDG_CONFIG_HOME']) ?? path.join(home, '.config'), 'git', 'config'));
    files.push(path.join(home, '.gitconfig'));
  }
  files.push(path.join(repo.gitdir, 'config'));
  const context: IncludeContext = { home, gitdir: repo.worktreeGitdir };
  const entries: ConfigEntry[] = [];
  for (const file of files) entries.push(...(await readConfigFile(file, context, 0)));
  entries.push(...parameterEntries(env));
  return entries;
}

/** `GIT_CONFIG_COUNT` / `GIT_CONFIG_KEY_<n>` / `GIT_CONFIG_VALUE_<n>`: settings given on the environment. */
function parameterEntries(env: IdentityEnv): ConfigEntry[] {
  const count = Number(env['GIT_CONFIG_COUNT'] ?? 0);
  const entries: ConfigEntry[] = [];
  for (let i = 0; Number.isInteger(count) && i < count; i++) {
    const key = env[`GIT_CONFIG_KEY_${i}`];
    if (key !== undefined) entries.push({ key: normaliseKey(key), value: env[`GIT_CONFIG_VALUE_${i}`] ?? null });
  }
  return entries;
}

/** `Section.Sub.Key` → `section.Sub.key`: section and key are case-insensitive, subsections not. */
function normaliseKey(key: string): string {
  const first = key.indexOf('.');
  const lastDot = key.lastIndexOf('.');
  if (first < 0) return key.toLowerCase();
  const section = key.slice(0, first).toLowerCase();
  const name = key.slice(lastDot + 1).toLowerCase();
  return first === lastDot ? `${section}.${name}` : `${section}.${key.slice(first + 1, lastDot)}.${name}`;
}

interface IncludeContext {
  readonly home: string;
  readonly gitdir: string;
}

async function readConfigFile(file: string, context: IncludeContext, depth: number): Promise<ConfigEntry[]> {
  if (depth > MAX_INCLUDE_DEPTH) return [];
  const text = await fs.promises.readFile(file, 'utf8').catch(() => null);
  if (text === null) return [];
  const entries: ConfigEntry[] = [];
  for (const entry of parseGitConfig(text)) {
    entries.push(entry);
    const include = includedFile(entry, path.dirname(file), context);
    if (include !== null) entries.push(...(await readConfigFile(include, context, depth + 1)));
  }
  return entries;
}

/** The file an `include.path` or a matching `includeIf.gitdir:….path` entry names; null otherwise. */
function includedFile(entry: ConfigEntry, base: string, context: IncludeContext): string | null {
  if (entry.value === null) return null;
  const expand = (p: string): string => (p.startsWith('~/') ? path.join(context.home, p.slice(2)) : path.resolve(base, p));
  if (entry.key === 'include.path') return expand(entry.value);
  const conditional = /^includeif\.(gitdir(\/i)?):(.*)\.path$/.exec(entry.key);
  if (conditional === null) return null;
  const insensitive = conditional[2] !== undefined;
  let pattern = conditional[3] ?? '';
  if (pattern.startsWith('~/')) pattern = path.join(context.home, pattern.slice(2));
  else if (pattern.startsWith('./')) pattern = path.join(base, pattern.slice(2));
  else if (!pattern.startsWith('/')) pattern = `**/${pattern}`;
  if (pattern.endsWith('/')) pattern += '**';
  const gitdir = realpathOrSelf(context.gitdir);
  return matchesGlob(pattern, gitdir, insensitive) || matchesGlob(pattern, context.gitdir, insensitive) ? expand(entry.value) : null;
}

function realpathOrSelf(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return p;
  }
}

/** wildmatch with WM_PATHNAME, as `includeIf "gitdir:"` uses it: `**` crosses `/`, `*` and `?` do not. */
function matchesGlob(pattern: string, subject: string, insensitive: boolean): boolean {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '*' && pattern[i + 1] === '*') {
      const slash = pattern[i + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, insensitive ? 'i' : '').test(subject);
}

/**
 * Entries of a git configuration file (git-config(1) "Syntax"): `[section]`,
 * `[section "subsection"]`, the deprecated `[section.subsection]`, `key = value` and bare `key`
 * (a boolean true, value null), `#` and `;` comments, double quotes, the escapes \" \\ \n \t \b,
 * and a backslash before a line end continuing the value. Malformed lines are skipped.
 */
export function parseGitConfig(text: string): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  let section: string | null = null;
  let i = 0;
  const n = text.length;
  const skipBlanks = (): void => {
    while (i < n && (text[i] === ' ' || text[i] === '\t')) i++;
  };
  const skipLine = (): void => {
    while (i < n && text[i] !== '\n') i++;
    i++;
  };
  while (i < n) {
    skipBlanks();
    const ch = text[i];
    if (ch === undefined) break;
    if (ch === '\n' || ch === '\r' || ch === '#' || ch === ';') {
      skipLine();
      continue;
    }
    if (ch === '[') {
      const end = text.indexOf(']', i);
      const lineEnd = text.indexOf('\n', i) < 0 ? n : text.indexOf('\n', i);
      if (end < 0 || end > lineEnd) {
        section = null;
        skipLine();
        continue;
      }
      const header = text.slice(i + 1, end);
      const quoted = /^\s*([A-Za-z0-9.-]+)\s+"((?:[^"\\]|\\.)*)"\s*$/.exec(header);
      if (quoted !== null) section = `${quoted[1]!.toLowerCase()}.${quoted[2]!.replace(/\\(.)/g, '$1')}`;
      else if (/^[A-Za-z0-9.-]+$/.test(header.trim())) {
        const [name, ...rest] = header.trim().split('.');
        section = rest.length > 0 ? `${name!.toLowerCase()}.${rest.join('.').toLowerCase()}` : name!.toLowerCase();
      } else section = null;
      i = end + 1;
      continue;
    }
    const keyMatch = /^[A-Za-z][A-Za-z0-9-]*/.exec(text.slice(i, i + 256));
    if (keyMatch === null || section === null) {
      skipLine();
      continue;
    }
    const key = `${section}.${keyMatch[0].toLowerCase()}`;
    i += keyMatch[0].length;
    skipBlanks();
    if (text[i] !== '=') {
      entries.push({ key, value: null });
      skipLine();
      continue;
    }
    i++;
    let value = '';
    let pendingSpace = '';
    let inQuote = false;
    while (i < n) {
      const c = text[i]!;
      if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
        if (inQuote) value += pendingSpace;
        break;
      }
      if (!inQuote && (c === '#' || c === ';')) {
        while (i < n && text[i] !== '\n') i++;
        break;
      }
      if (c === '\\') {
        const next = text[i + 1];
        if (next === '\n' || (next === '\r' && text[i + 2] === '\n')) {
          i += next === '\n' ? 2 : 3;
          continue;
        }
        const escaped = next === 'n' ? '\n' : next === 't' ? '\t' : next === 'b' ? '\b' : next === '"' || next === '\\' ? next : null;
        if (escaped === null) return entries; // git rejects the whole file on a bad escape
        value += pendingSpace + escaped;
        pendingSpace = '';
        i += 2;
        continue;
      }
      if (c === '"') {
        value += pendingSpace;
        pendingSpace = '';
        inQuote = !inQuote;
        i++;
        continue;
      }
      if (!inQuote && (c === ' ' || c === '\t' || c === '\r')) {
        if (value !== '') pendingSpace += c;
        i++;
        continue;
      }
      value += pendingSpace + c;
      pendingSpace = '';
      i++;
    }
    entries.push({ key, value });
    i++;
  }
  return entries;
}
