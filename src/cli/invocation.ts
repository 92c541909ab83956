/**
 * How a person runs this very tagway from a given folder, for the commands a command suggests
 * (`init`'s next steps): `tagway` when that name on PATH is this installation (a global install,
 * `npm link`), `npx tagway` when npm finds this installation from that folder (a project that
 * depends on tagway, or a clone of tagway itself), and otherwise `node <path of its bin>`, which
 * works from anywhere. docs/install.md describes the ways to install it.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The package's bin, as package.json names it. */
const BIN = fileURLToPath(new URL('../../bin/run.js', import.meta.url));

export interface InvocationContext {
  /** The PATH to search (process.env.PATH). */
  readonly path: string | undefined;
  /** The bin of the installation to invoke; this package's by default. */
  readonly bin?: string;
}

/** The command that runs this installation of tagway from `folder`, ready to paste in a shell. */
export function invocation(folder: string, context: InvocationContext): string {
  const bin = realpath(context.bin ?? BIN);
  if (bin === null) return 'tagway';
  if (onPath(bin, context.path)) return 'tagway';
  if (npxFinds(bin, folder)) return 'npx tagway';
  return `node ${shellQuote(bin)}`;
}

/** Whether the first `tagway` on `searchPath` is `bin`. */
function onPath(bin: string, searchPath: string | undefined): boolean {
  for (const dir of (searchPath ?? '').split(path.delimiter)) {
    if (dir === '') continue;
    const found = realpath(path.join(dir, 'tagway'));
    if (found !== null) return found === bin;
  }
  return false;
}

/**
 * Whether `npx tagway` run in `folder` runs `bin`: npm takes the nearest folder above (or at)
 * `folder` that holds a package.json or a node_modules as the project, and runs the project's
 * own bin (a clone of tagway) or the one its dependencies installed.
 */
function npxFinds(bin: string, folder: string): boolean {
  for (let dir = path.resolve(folder); ; dir = path.dirname(dir)) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) || fs.existsSync(path.join(dir, 'node_modules'))) {
      if (realpath(path.join(dir, 'node_modules', '.bin', 'tagway')) === bin) return true;
      return realpath(path.join(dir, 'bin', 'run.js')) === bin && packageName(pkg) === 'tagway';
    }
    if (path.dirname(dir) === dir) return false;
  }
}

function packageName(file: string): string | null {
  try {
    const name = (JSON.parse(fs.readFileSync(file, 'utf8')) as { name?: unknown }).name;
    return typeof name === 'string' ? name : null;
  } catch {
    return null;
  }
}

function realpath(file: string): string | null {
  try {
    return fs.realpathSync(file);
  } catch {
    return null;
  }
}

/** `text` as one word of a POSIX shell: as it is when it needs no quoting, else single-quoted. */
function shellQuote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
