/**
 * One gateway target of a group.yaml's `targets:` list, as the scenarios write it: an Admin API
 * (`apisix`, `apisix-standalone`) at `url`, its key read from the environment variable `keyVar`.
 */
export function targetYaml(name: string, kind: 'apisix' | 'apisix-standalone', url: string, keyVar: string): string {
  return `  - name: ${name}\n    kind: ${kind}\n    admin_url: ${url}\n    admin_key: env:${keyVar}\n`;
}
