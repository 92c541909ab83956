import { fieldValue, secretFieldName } from '../../apisix/consumer-secrets.js';
import { KIND } from '../../apisix/kinds/index.js';
import { GROUP_OBJECT_FILES, GROUP_OBJECT_KINDS } from '../../load/layout.js';
import { joinPointer } from '../../load/yaml-file.js';
import { secretReferenceProblem } from '../../secrets/references.js';
import type { Rule } from './rule.js';
import { finding } from './rule.js';

/**
 * A secret field of a group-level object (its kind's `secretPaths`: a consumer's credentials, any
 * field of a plugin's `encrypt_fields`, …) holds a reference, never a literal (TW3022): APISIX's
 * `$env://` or `$secret://` (the gateway resolves it), or tagway's `env:NAME` or `file:PATH`
 * (sync resolves it). An error, or a warning where tagway.yaml says `literal_secrets: warn`. The
 * value is never in the message: it is what must not be printed.
 */
export const literalSecrets: Rule = {
  name: 'literal-secrets',
  scope: 'repo',
  *check(ctx) {
    const severity = ctx.repo.config.literal_secrets === 'warn' ? 'warning' : 'error';
    for (const fileKind of GROUP_OBJECT_KINDS) {
      const secretPaths = KIND[GROUP_OBJECT_FILES[fileKind].apisixKind].secretPaths;
      if (secretPaths === undefined) continue;
      for (const entries of ctx.repo.groupObjects[fileKind].values()) {
        for (const [name, { file, spec }] of entries) {
          // The file's object as emitted finds its paths: plugin metadata's depend on its id, the file name.
          const object = { ...(spec as unknown as Readonly<Record<string, unknown>>), id: name };
          for (const path of secretPaths(object)) {
            const problem = secretReferenceProblem(fieldValue(object, path));
            if (problem === null) continue;
            yield finding('TW3022', file, joinPointer(...path), `${secretFieldName(path)} ${problem}`, {
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
