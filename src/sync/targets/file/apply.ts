import { randomBytes } from 'node:crypto';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { stringify } from 'yaml';
import { renderStandaloneYaml } from '../../../apisix/standalone-yaml.js';
import type { ApisixConfig } from '../../../model/apisix.js';
import { errorData, interruptedError } from '../../errors.js';
import { applyPlanToConfig, blockedError, stepsBlockedIn, type Plan } from '../../plan.js';
import type { ApplyReport } from '../port.js';
import { ioError, readStandaloneFile } from './read.js';

const END = '#END\n';

/**
 * The file's text: `renderStandaloneYaml` of the registered kinds, then the file's other
 * top-level keys in code-point order, then `#END`. Deterministic, so an unchanged configuration
 * renders to the same bytes and is not rewritten.
 */
export function renderFile(config: ApisixConfig, others: Readonly<Record<string, unknown>>): string {
  const main = renderStandaloneYaml(config);
  const keys = Object.keys(others).sort();
  if (keys.length === 0) return main;
  const rest: Record<string, unknown> = {};
  for (const key of keys) rest[key] = others[key];
  const extra = stringify(rest, { lineWidth: 0, aliasDuplicateObjects: false, sortMapEntries: false });
  return `${main.endsWith(END) ? main.slice(0, -END.length) : main}${extra}${END}`;
}

/**
 * Replaces `path` with `text` so that a reader (APISIX reloads the file when it changes) sees the
 * old file or the new one, never a part: write a temporary file in the same directory (same
 * file system, so the rename is atomic), fsync it, rename it over `path`, fsync the directory.
 * The old file's permissions are kept.
 */
export async function writeFileAtomic(path: string, text: string): Promise<void> {
  const dir = dirname(path);
  await mkdir(dir, { recursive: true });
  let mode = 0o644;
  try {
    mode = (await stat(path)).mode & 0o777;
  } catch {
    // a new file
  }
  const temp = join(dir, `.${basename(path)}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`);
  try {
    const handle = await open(temp, 'wx', mode);
    try {
      await handle.writeFile(text, 'utf8');
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  try {
    const handle = await open(dir, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
  } catch {
    // Directories cannot be fsynced on every platform; the rename is done either way.
  }
}

/**
 * Applies a plan to the file: re-read it, apply the steps (objects of other owners and other
 * top-level keys kept), and write it atomically unless the text is unchanged. A failed write
 * leaves the old file in place, so there is nothing to undo.
 */
export async function applyFilePlan(target: string, path: string, plan: Plan, signal?: AbortSignal): Promise<ApplyReport> {
  if (signal?.aborted === true) {
    return { ok: false, writes: 0, error: interruptedError(target, signal, 0, 1), restore: { attempted: false, ok: true, failures: [] } };
  }
  try {
    const state = await readStandaloneFile(target, path);
    const blocked = stepsBlockedIn(state.config, plan);
    if (blocked.length > 0) throw blockedError(target, plan, blocked);
    const text = renderFile(applyPlanToConfig(state.config, plan), state.others);
    if (text === state.text) return { ok: true, writes: 0 };
    try {
      await writeFileAtomic(path, text);
    } catch (error) {
      throw ioError(target, path, 'write', error);
    }
    return { ok: true, writes: 1 };
  } catch (error) {
    return { ok: false, writes: 0, error: errorData(error, target), restore: { attempted: false, ok: true, failures: [] } };
  }
}
