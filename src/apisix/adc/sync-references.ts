/**
 * The fields where tagway reads a reference (`env:NAME`, `file:PATH`) at sync time instead of
 * sending the text: an SSL's certificates and keys, the secret fields of a consumer's auth
 * plugins (docs/secrets.md). ADC's `${NAME}` stands for the same thing in those fields.
 */
import type { ApisixKind } from '../../model/apisix.js';
import { consumerSecretFields } from '../consumer-secrets.js';

/** JSON pointers (below the object) of the fields of `object` that tagway resolves at sync. */
export function syncResolvedPointers(kind: ApisixKind, object: Readonly<Record<string, unknown>>): ReadonlySet<string> {
  const out = new Set<string>();
  if (kind === 'ssls') {
    out.add('/cert').add('/key');
    for (const field of ['certs', 'keys']) {
      const list = object[field];
      if (Array.isArray(list)) list.forEach((_, i) => out.add(`/${field}/${i}`));
    }
  }
  if (kind === 'consumers') {
    const plugins = (object['plugins'] ?? {}) as Readonly<Record<string, unknown>>;
    for (const name of Object.keys(plugins)) {
      for (const path of consumerSecretFields(name)) out.add(`/plugins/${escapePointer(name)}/${path.map(escapePointer).join('/')}`);
    }
  }
  return out;
}

/** One segment of a JSON pointer. */
export function escapePointer(segment: string): string {
  return segment.replace(/~/g, '~0').replace(/\//g, '~1');
}
