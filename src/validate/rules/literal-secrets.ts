import { consumerSecretFields, fieldValue } from '../../apisix/consumer-secrets.js';
import { joinPointer } from '../../load/yaml-file.js';
import { secretReferenceProblem } from '../../secrets/references.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A secret field of a consumer's plugin (an auth plugin's credential, any field of a plugin's
 * `encrypt_fields`) holds a reference, never a literal (TW3022): APISIX's `$env://` or
 * `$secret://` (the gateway resolves it), or tagway's `env:NAME` or `file:PATH` (sync resolves
 * it). An error, or a warning where tagway.yaml says `literal_secrets: warn`. The value is never
 * in the message: it is what must not be printed.
 */
export const literalSecrets: Rule = {
  name: 'literal-secrets',
  scope: 'repo',
  *check(ctx) {
    const severity = ctx.repo.config.literal_secrets === 'warn' ? 'warning' : 'error';
    for (const consumers of ctx.repo.groupObjects.consumer.values()) {
      for (const { file, spec } of consumers.values()) {
        for (const [plugin, conf] of Object.entries(spec.plugins ?? {})) {
          for (const path of consumerSecretFields(plugin)) {
            const value = fieldValue(conf, path);
            if (value === undefined) continue;
            const problem = secretReferenceProblem(value);
            if (problem === null) continue;
            const pointer = `/plugins${joinPointer(plugin, ...path)}`;
            yield finding('TW3022', file, pointer, `${plugin} ${path.join('.')} ${problem}`, {
              severity,
              hint:
                'Keep the secret out of git: use $env://NAME or $secret://… (resolved by the gateway), or env:NAME or file:PATH (resolved by tagway sync, ' +
                'PATH inside the repository and not committed). See docs/secrets.md.',
            });
          }
        }
      }
    }
  },
};
