import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { APISIX_KINDS, type ApisixConfig, type ApisixKind, type ApisixObject } from '../../../model/apisix.js';
import { SyncError } from '../../errors.js';

/** A standalone `apisix.yaml` as found on disk. */
export interface FileState {
  /** The file's text, null when the file does not exist. */
  readonly text: string | null;
  /** Its upstreams, services and routes as written (ids as found), each sorted by id. */
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

function objectsOf(target: string, path: string, doc: Record<string, unknown>, kind: ApisixKind): ApisixObject[] {
  const items = doc[kind];
  if (items === undefined || items === null) return [];
  if (!Array.isArray(items)) {
    throw new SyncError({ code: 'invalid-live-state', target, message: `target ${target}: "${kind}" in ${path} is not a list` });
  }
  for (const item of items) {
    if (!isRecord(item) || (typeof item.id !== 'string' && typeof item.id !== 'number')) {
      throw new SyncError({
        code: 'invalid-live-state',
        target,
        message: `target ${target}: an item of "${kind}" in ${path} has no id`,
        hint: 'tagway can only keep objects it can tell apart; give every object in the file an id',
      });
    }
  }
  const objects = items as ApisixObject[];
  return [...objects].sort((a, b) => {
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
      return { text: null, config: { upstreams: [], services: [], routes: [] }, others: {} };
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
  const others: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(doc)) {
    if (!(APISIX_KINDS as readonly string[]).includes(key)) others[key] = value;
  }
  const [upstreams, services, routes] = APISIX_KINDS.map((kind) => objectsOf(target, path, doc, kind));
  return { text, config: { upstreams: upstreams ?? [], services: services ?? [], routes: routes ?? [] }, others };
}

