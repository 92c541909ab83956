/**
 * What the two rules about `$secret://` references share: finding them in a file's values, and
 * judging each against the secret managers of its gateway group.
 */
import { didYouMean } from '../core/did-you-mean.js';
import { groupObjectPath } from '../load/layout.js';
import { joinPointer, type YamlFile } from '../load/yaml-file.js';
import type { Diagnostic } from '../model/diagnostic.js';
import { finding } from './rules/rule.js';

const PREFIX = '$secret://';

/** Every string below `value` that starts with `$secret://`, with its JSON pointer below `pointer`. */
export function* secretReferences(value: unknown, pointer: string): Generator<{ readonly reference: string; readonly pointer: string }> {
  if (typeof value === 'string') {
    if (value.startsWith(PREFIX)) yield { reference: value, pointer };
  } else if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) yield* secretReferences(item, `${pointer}/${i}`);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) yield* secretReferences(item, `${pointer}${joinPointer(key)}`);
  }
}

/**
 * The finding about one `$secret://` reference in `file` at `pointer`, or null when it names a
 * secret manager of `group` (`managers`: their ids, `<manager>/<id>`).
 *
 * APISIX reads `$secret://<manager>/<id>/<key>` when a request uses the value
 * (`apisix/secret.lua` `parse_secret_uri`): one without a key is TW3051, and the gateway will fail
 * on it. One naming a manager the group does not define is TW3050, a warning only: the gateways
 * may hold a secret manager that tagway does not manage.
 */
export function secretReferenceFinding(
  file: YamlFile,
  pointer: string,
  reference: string,
  group: string,
  managers: ReadonlySet<string>,
): Diagnostic | null {
  const parts = reference.slice(PREFIX.length).split('/');
  const [manager, id] = parts;
  if (manager === '' || id === undefined || id === '' || parts.slice(2).join('/') === '') {
    return finding('TW3051', file, pointer, `${JSON.stringify(reference)} is not a secret reference APISIX can read`, {
      severity: 'warning',
      hint: 'APISIX reads $secret://<manager>/<id>/<key>: a secret manager (vault, aws, gcp), its id, then the key to look up, e.g. $secret://vault/prod/jwt/secret.',
    });
  }
  const name = `${manager}/${id}`;
  if (managers.has(name)) return null;
  const guess = didYouMean(name, managers);
  return finding('TW3050', file, pointer, `secret manager ${name} is not one of gateway group ${group}`, {
    severity: 'warning',
    hint: guess
      ? `Did you mean $secret://${guess}/…?`
      : `Add ${groupObjectPath('secret-manager', group, name)}, unless the gateways of ${group} have a secret manager ${name} that tagway does not manage.`,
  });
}
