/**
 * An APISIX standalone file (`conf/apisix.yaml`, or the body of `PUT /apisix/admin/configs` as
 * YAML or JSON) as a `GatewaySource`: one list per standalone key (src/apisix/kinds), each item an
 * object with its id. A key of no known kind, and an item that is not an object with an id, are
 * reported; the text's own mistakes are errors at their line and column.
 */
import { LineCounter, parseDocument, isMap, isSeq, type Node as YamlNode } from 'yaml';
import type { ApisixConfig, ApisixKind, ApisixObject } from '../model/apisix.js';
import { STANDALONE_LISTS, bodyKey, emptyConfig, standaloneItemsOf } from '../apisix/kinds/index.js';
import { UserError } from '../core/errors.js';
import { cmp } from '../model/diagnostic.js';
import type { GatewaySource, Unexpressed } from './model.js';

/** Top-level keys of a standalone file that hold no objects: versions of each list, the end marker. */
const NOT_OBJECTS = /^[a-z_]+_conf_version$/;

export function readStandalone(text: string, path: string): GatewaySource {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false, logLevel: 'error' });
  const at = (node: YamlNode | null | undefined): string => {
    const offset = node?.range?.[0];
    if (offset === undefined) return path;
    const { line, col } = lines.linePos(offset);
    return `${path}:${line}:${col}`;
  };
  const first = doc.errors[0];
  if (first !== undefined) {
    const { line, col } = lines.linePos(first.pos[0]);
    throw new UserError(`${path}:${line}:${col}: not valid YAML: ${first.message.split('\n')[0]}`, 'Fix the file, or give the standalone file APISIX loads (conf/apisix.yaml).');
  }
  const root = doc.contents;
  if (!isMap(root)) {
    throw new UserError(`${at(root)}: a standalone file is a map of lists (routes:, upstreams:, …)`, 'Give the standalone file APISIX loads (conf/apisix.yaml).');
  }
  const data = doc.toJS() as Record<string, unknown>;
  const config: Record<string, ApisixObject[]> = { ...emptyConfig() } as unknown as Record<string, ApisixObject[]>;
  const unexpressed: Unexpressed[] = [];
  const known = new Set(STANDALONE_LISTS.map((l) => l.key));
  for (const pair of root.items) {
    const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
    if (known.has(key) || NOT_OBJECTS.test(key)) continue;
    unexpressed.push({ kind: key, id: '*', reason: `${at(pair.key as YamlNode)}: "${key}" holds no kind of object tagway writes` });
  }
  for (const list of STANDALONE_LISTS) {
    const node = root.get(list.key, true) as YamlNode | undefined;
    const items = data[list.key];
    if (items === undefined || items === null) continue;
    if (!Array.isArray(items) || !isSeq(node)) throw new UserError(`${at(node)}: "${list.key}" is not a list`, `Write ${list.key} as a list of objects.`);
    for (const kind of list.kinds) {
      for (const item of standaloneItemsOf(kind, items)) {
        const index = items.indexOf(item);
        const where = at(node.items[index] as YamlNode);
        if (typeof item !== 'object' || item === null || Array.isArray(item)) throw new UserError(`${where}: an item of "${list.key}" is not an object`, `Each item of ${list.key} is one object.`);
        const id = bodyKey(kind, item as Record<string, unknown>);
        if (id === undefined) throw new UserError(`${where}: an item of "${list.key}" has no ${kind.id.field}`, `Give it the ${kind.id.field} it has on the gateway; tagway records which object it takes over by its ${kind.id.field}.`);
        config[kind.name]!.push({ ...(item as Record<string, unknown>), id: String(id) } as ApisixObject);
      }
    }
  }
  for (const kind of Object.keys(config) as ApisixKind[]) config[kind]!.sort((a, b) => cmp(a.id, b.id));
  return { format: 'standalone', origin: path, config: config as unknown as ApisixConfig, unexpressed };
}
