import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import type { ApisixConfig, ApisixObject } from '../../../model/apisix.js';
import { SyncError } from '../../errors.js';
import { STANDALONE_LISTS, bodyKey, configOf, emptyConfig, standaloneItemsOf, type KindDescriptor } from '../../../apisix/kinds/index.js';

/** A standalone `apisix.yaml` as found on disk. */
export interface FileState {
  /** The file's text, null when the file does not exist. */
  readonly text: string | null;
  /**
   * The objects of every kind as written, each sorted by id; ids as found, except that a kind
   * keyed by another field than `id` gets an `id` from that field.
   */
  readonly config: ApisixConfig;
  /** Its other top-level keys (consumers, ssls, plugins, global_rules, ...), kept as they are. */
  readonly others: Readonly<Record<string, unknown>>;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function ioError(target: string, path: string, action: string, error: unknown): SyncError {
  const code = isRecord(error) && typeof error.code === 'string' ? ` (${error.code})` : '';
  const reason = error instanceof Error ? error.message : String(error);
  return new SyncError({
    code: 'io',
    target,
    message: `target ${target}: cannot ${action} ${path}${code}: ${reason}`,
  });
}

function objectsOf(target: string, path: string, doc: Record<string, unknown>, kind: KindDescriptor): ApisixObject[] {
  const key = kind.standalone.key;
  const items = doc[key];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) {
    throw new SyncError({ code: 'invalid-live-state', target, message: `target ${target}: "${key}" in ${path} is not a list` });
  }
  const objects = standaloneItemsOf(kind, items).map((item) => {
    const id = isRecord(item) ? bodyKey(kind, item) : undefined;
    if (!isRecord(item) || id === undefined) {
      throw new SyncError({
        code: 'invalid-live-state',
        target,
        message: `target ${target}: an item of "${key}" in ${path} has no ${kind.id.field}`,
        hint: 'tagway can only keep objects it can tell apart; give every object in the file an id',
      });
    }
    return (kind.id.field === 'id' ? item : { ...item, id }) as ApisixObject;
  });
  return objects.sort((a, b) => {
    const x = String(a.id);
    const y = String(b.id);
    return x < y ? -1 : x > y ? 1 : 0;
  });
}

/** Reads and parses the file; a missing file is an empty configuration. */
export async function readStandaloneFile(target: string, path: string): Promise<FileState> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if (isRecord(error) && error.code === 'ENOENT') {
      return { text: null, config: emptyConfig(), others: {} };
    }
    throw ioError(target, path, 'read', error);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new SyncError({
      code: 'invalid-live-state',
      target,
      message: `target ${target}: ${path} is not valid YAML: ${error instanceof Error ? error.message : String(error)}`,
    });
  }
  if (doc === null || doc === undefined) doc = {};
  if (!isRecord(doc)) {
    throw new SyncError({ code: 'invalid-live-state', target, message: `target ${target}: ${path} is not a YAML mapping` });
  }
  const managed = new Set(STANDALONE_LISTS.map((l) => l.key));
  const others: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!managed.has(key)) others[key] = value;
  }
  const config = configOf((kind) => objectsOf(target, path, doc, kind));
  return { text, config, others };
}

