/**
 * The oracle cases (test/fixtures/apisix-oracle-cases.jsonl, see its NOTICE): APISIX's own check
 * code run on bodies of the twelve Admin API kinds.
 */
import { readFileSync } from 'node:fs';

export interface OracleCase {
  readonly id: string;
  /** The Admin API path of the kind (`routes`, `plugin_metadata`, …). */
  readonly kind: string;
  readonly body: unknown;
  readonly expected: 'valid' | 'invalid';
  readonly apisix_error?: string;
  readonly path_id?: string;
  readonly proxy_mode?: 'http&stream';
  readonly method?: 'POST';
  readonly tag: string;
}

let cases: readonly OracleCase[] | null = null;

export function oracleCases(): readonly OracleCase[] {
  cases ??= readFileSync(new URL('../fixtures/apisix-oracle-cases.jsonl', import.meta.url), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as OracleCase);
  return cases;
}

/** The body of case `id`. */
export function oracleBody<T = Record<string, unknown>>(id: string): T {
  const found = oracleCases().find((c) => c.id === id);
  if (!found) throw new Error(`no oracle case ${id}`);
  return found.body as T;
}
