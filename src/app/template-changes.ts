/**
 * What changed in a service template between two versions, as the lines of a generated tag
 * message. Pure: takes the two template texts, returns text.
 */
import { parse as parseYaml } from 'yaml';
import { canonicalJson } from '../core/canonical.js';

type Json = Record<string, unknown>;

function asRecord(value: unknown): Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Json) : {};
}

function same(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

function readTemplate(text: string): Json {
  try {
    return asRecord(parseYaml(text, { prettyErrors: false }));
  } catch {
    return {};
  }
}

function routesByName(template: Json): Map<string, Json> {
  const routes = Array.isArray(template['routes']) ? template['routes'] : [];
  const out = new Map<string, Json>();
  for (const route of routes) {
    const r = asRecord(route);
    if (typeof r['name'] === 'string') out.set(r['name'], r);
  }
  return out;
}

/** Keys whose values differ between two records, sorted by code point. */
function changedKeys(a: Json, b: Json): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])].filter((k) => !same(a[k], b[k])).sort();
}

const byCodePoint = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * One line per change, e.g. `route added: pet-photos`, `route changed: list-pets (methods,
 * plugins)`, `plugin removed: cors`, `upstream changed: timeout`, `hosts changed`. Routes are
 * matched by name (their id), plugins by plugin name; the order is fixed (routes, plugins,
 * upstream, other keys), each group sorted by name.
 */
export function templateChanges(previousText: string, currentText: string): string[] {
  const before = readTemplate(previousText);
  const after = readTemplate(currentText);
  const lines: string[] = [];

  const oldRoutes = routesByName(before);
  const newRoutes = routesByName(after);
  for (const name of [...newRoutes.keys()].filter((n) => !oldRoutes.has(n)).sort(byCodePoint)) lines.push(`route added: ${name}`);
  for (const name of [...oldRoutes.keys()].filter((n) => !newRoutes.has(n)).sort(byCodePoint)) lines.push(`route removed: ${name}`);
  for (const name of [...newRoutes.keys()].filter((n) => oldRoutes.has(n)).sort(byCodePoint)) {
    const keys = changedKeys(oldRoutes.get(name)!, newRoutes.get(name)!);
    if (keys.length > 0) lines.push(`route changed: ${name} (${keys.join(', ')})`);
  }

  const oldPlugins = asRecord(before['plugins']);
  const newPlugins = asRecord(after['plugins']);
  for (const name of Object.keys(newPlugins).filter((n) => !(n in oldPlugins)).sort(byCodePoint)) lines.push(`plugin added: ${name}`);
  for (const name of Object.keys(oldPlugins).filter((n) => !(n in newPlugins)).sort(byCodePoint)) lines.push(`plugin removed: ${name}`);
  for (const name of Object.keys(newPlugins).filter((n) => n in oldPlugins).sort(byCodePoint)) {
    if (!same(oldPlugins[name], newPlugins[name])) lines.push(`plugin changed: ${name}`);
  }

  const upstreamKeys = changedKeys(asRecord(before['upstream']), asRecord(after['upstream']));
  if (upstreamKeys.length > 0) lines.push(`upstream changed: ${upstreamKeys.join(', ')}`);

  const handled = new Set(['routes', 'plugins', 'upstream']);
  for (const key of changedKeys(before, after).filter((k) => !handled.has(k))) lines.push(`${key} changed`);
  return lines;
}

/**
 * The generated message of a version tag: a subject `<service> <version>`, then what changed
 * since `previous` (or, for a first version, which routes it has).
 */
export function versionTagMessage(
  service: string,
  version: string,
  currentText: string,
  previous: { readonly version: string; readonly text: string } | null,
): string {
  const subject = `${service} ${version}`;
  if (previous === null) {
    const routes = [...routesByName(readTemplate(currentText)).keys()];
    return `${subject}\n\nFirst version${routes.length > 0 ? `, routes: ${routes.join(', ')}` : ''}.\n`;
  }
  const lines = templateChanges(previous.text, currentText);
  if (lines.length === 0) return `${subject}\n\nNo changes to the template since ${previous.version}.\n`;
  return `${subject}\n\nChanges since ${previous.version}:\n${lines.map((l) => `- ${l}`).join('\n')}\n`;
}
