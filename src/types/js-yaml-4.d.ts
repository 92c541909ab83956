/**
 * js-yaml 4, installed beside js-yaml 5 under the name `js-yaml-4` (src/load/yaml-file.ts says
 * why): the part of its API tagway uses.
 */
declare module 'js-yaml-4' {
  export const CORE_SCHEMA: unknown;
  export function load(text: string, options?: { readonly schema?: unknown; readonly filename?: string }): unknown;
}
