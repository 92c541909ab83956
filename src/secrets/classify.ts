/**
 * Which values are secrets, and masking them in data: everything `diff` and drift reports print,
 * and the code frames of findings (spans.ts). Snapshots should hold no secrets (plugin secrets
 * belong in APISIX's `$env://` / `$secret://` references), but a template can still carry a
 * literal one, and a diff ends up in pull-request comments and CI logs. So every value that is,
 * or looks like, a secret is replaced by a placeholder before any diff is computed; a report
 * never holds the value, whatever the renderer.
 *
 * A value is masked when
 * - its key names a secret: a word like password, secret, token, credential(s), authorization,
 *   passphrase, apikey, or a pair like api/private/access/client/signing key — unless the key
 *   ends in a word that names a setting about the secret (`token_endpoint`, `token_ttl`,
 *   `secret_type`); every scalar below such a key is masked (booleans and null excepted);
 * - APISIX's plugin schema marks the field as encrypted (`encrypt_fields`) and the name alone
 *   would not say so (`csrf.key`, `key-auth.key`);
 * - it is a `vars` condition's value on a variable whose name names a secret
 *   (`["http_x_api_key", "==", "…"]`);
 * - it looks like one wherever it is: `Bearer …` / `Basic …`, a PEM private key, a JWT, a URL
 *   with a password, well-known token formats, or a long random-looking string.
 * Secret references (APISIX's `$env://…`, `$secret://…`, tagway's `env:NAME`) are not secrets
 * and stay visible.
 *
 * Masking is done on both sides of a comparison at once, so that a secret that changes gets a
 * different placeholder on the `to` side (`<masked, changed>`) and still shows as a change.
 */

export const MASKED = '<masked>';
export const MASKED_CHANGED = '<masked, changed>';

/** Words that make a key name a secret on their own. */
const SECRET_WORDS: ReadonlySet<string> = new Set([
  'password',
  'passwd',
  'pwd',
  'passphrase',
  'secret',
  'secrets',
  'token',
  'tokens',
  'credential',
  'credentials',
  'authorization',
  'apikey',
  'privatekey',
]);

/** `<word> key` pairs that name a secret (`api_key`, `X-API-Key`, `clientKey`, tls `client_key`). */
const KEY_QUALIFIERS: ReadonlySet<string> = new Set(['api', 'private', 'access', 'client', 'signing', 'sign', 'encryption', 'master', 'auth', 'admin', 'hmac', 'shared']);

/** A last word that makes the key a setting about a secret, not the secret itself. */
const SETTING_WORDS: ReadonlySet<string> = new Set([
  'endpoint',
  'endpoints',
  'url',
  'uri',
  'type',
  'ttl',
  'timeout',
  'expires',
  'expire',
  'expiry',
  'alg',
  'algorithm',
  'method',
  'methods',
  'name',
  'names',
  'header',
  'field',
  'location',
  'position',
  'length',
  'size',
  'path',
  'prefix',
  'format',
  'mode',
]);

/**
 * Plugin fields APISIX stores encrypted (`encrypt_fields` in the plugin's schema) whose names
 * the word rules above do not catch. Paths are relative to the plugin's configuration.
 */
const SCHEMA_SECRET_FIELDS: Readonly<Record<string, readonly string[]>> = {
  csrf: ['key'],
  'key-auth': ['key'],
};

/** APISIX's `$env://…` / `$secret://…`, and tagway's own `env:NAME` (target credentials). */
const REFERENCE = /^\$(env|secret):\/\/|^env:[A-Za-z_][A-Za-z0-9_]*$/;

const SECRET_VALUE_PATTERNS: readonly RegExp[] = [
  /^(bearer|basic|token|digest)\s+\S/i,
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/,
  /^eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*$/,
  /^[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i,
  /^(gh[pousr]_[A-Za-z0-9]{20,}|github_pat_\w{20,}|glpat-[\w-]{20,}|sk-[\w-]{20,}|sk_(live|test)_\w{10,}|xox[abposr]-[\w-]{10,}|AKIA[0-9A-Z]{16}|AIza[\w-]{30,})$/,
];

/** Splits `client_secret`, `X-API-Key`, `clientSecret`, `tls.client_key` into lower-case words. */
function words(key: string): string[] {
  return key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((w) => w.length > 0);
}

/** Whether a field named `key` holds a secret (by its name alone). */
export function isSecretKey(key: string): boolean {
  const parts = words(key);
  const last = parts[parts.length - 1];
  if (last === undefined || (parts.length > 1 && SETTING_WORDS.has(last))) return false;
  for (let i = 0; i < parts.length; i++) {
    const word = parts[i]!;
    if (SECRET_WORDS.has(word)) return true;
    if (word === 'key' && i > 0 && KEY_QUALIFIERS.has(parts[i - 1]!)) return true;
  }
  return false;
}

/** Whether a string looks like a secret wherever it appears. References never do. */
export function looksLikeSecret(value: string): boolean {
  if (REFERENCE.test(value)) return false;
  if (SECRET_VALUE_PATTERNS.some((p) => p.test(value))) return true;
  return isRandomLooking(value);
}

/** Hex of 32+ digits, or 32+ base64-ish characters mixing upper case, lower case and digits. */
function isRandomLooking(value: string): boolean {
  if (value.length < 32 || value.startsWith('/')) return false;
  if (/^[0-9a-f]+$/i.test(value) && /[0-9]/.test(value) && /[a-f]/i.test(value)) return true;
  return /^[A-Za-z0-9+/_=-]+$/.test(value) && /[0-9]/.test(value) && /[a-z]/.test(value) && /[A-Z]/.test(value);
}

/** `http_x_api_key`, `arg_token`, `cookie_session_secret`: an nginx variable naming a secret. */
function isSecretVariable(name: string): boolean {
  const match = /^(?:http|arg|cookie|post_arg)_(.+)$/.exec(name);
  return match !== null && isSecretKey(match[1]!);
}

/** A `vars` condition `[var, op, value]` / `[var, '!', op, value]` on a secret variable. */
function isSecretCondition(value: unknown): boolean {
  return Array.isArray(value) && value.length >= 3 && typeof value[0] === 'string' && isSecretVariable(value[0]);
}

interface Context {
  /** Every scalar here is a secret. */
  readonly secret: boolean;
  /** The children are plugin names (the value of a `plugins` field). */
  readonly pluginNames: boolean;
  /** Inside the configuration of this plugin, at this path below it. */
  readonly plugin: { readonly name: string; readonly path: readonly string[] } | null;
}

const ROOT: Context = { secret: false, pluginNames: false, plugin: null };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function pointerSegment(key: string): string {
  return key.replace(/~/g, '~0').replace(/\//g, '~1');
}

function childContext(ctx: Context, key: string): Context {
  if (ctx.pluginNames) return { secret: ctx.secret, pluginNames: false, plugin: { name: key, path: [] } };
  const plugin = ctx.plugin ? { name: ctx.plugin.name, path: [...ctx.plugin.path, key] } : null;
  const marked = plugin !== null && (SCHEMA_SECRET_FIELDS[plugin.name]?.includes(plugin.path.join('.')) ?? false);
  return { secret: ctx.secret || marked || isSecretKey(key), pluginNames: key === 'plugins', plugin };
}

function shouldMask(value: unknown, ctx: Context): boolean {
  if (typeof value === 'string') return !REFERENCE.test(value) && (ctx.secret || looksLikeSecret(value));
  return typeof value === 'number' && ctx.secret;
}

export interface MaskedPair<T> {
  readonly before: T | undefined;
  readonly after: T | undefined;
  /** JSON pointers (shared by both sides) of every masked value. */
  readonly paths: ReadonlySet<string>;
}

/**
 * Both values with their secrets replaced: `<masked>` where a side holds a secret, and
 * `<masked, changed>` on the `after` side where both hold a secret at the same place and the two
 * differ. Either side may be undefined (an object added or removed). `fields`: JSON pointers
 * whose values (everything below them) are secrets whatever they are called or look like, e.g.
 * an object kind's `secretFields`. Pure: the inputs are not changed.
 */
export function maskSecretPair<T>(before: T | undefined, after: T | undefined, fields: readonly string[] = []): MaskedPair<T> {
  const state: Walk = { paths: new Set<string>(), fields };
  const [b, a] = walk(before, after, '', ROOT, state);
  return { before: b as T | undefined, after: a as T | undefined, paths: state.paths };
}

/** What a walk collects (`paths`, of every masked value) and the pointers that are secrets by declaration. */
interface Walk {
  readonly paths: Set<string>;
  readonly fields: readonly string[];
}

/** JSON pointers of every value of `value` that is masked as a secret. */
export function secretPaths(value: unknown): string[] {
  return [...maskSecretPair(value, undefined).paths];
}

/** One value with its secrets replaced by `<masked>` (`fields` as for `maskSecretPair`). */
export function maskSecrets<T>(value: T, fields: readonly string[] = []): T {
  return maskSecretPair<T>(value, undefined, fields).before as T;
}

function walk(b: unknown, a: unknown, ptr: string, ctx: Context, state: Walk): [unknown, unknown] {
  const bothOrAbsent = (test: (v: unknown) => boolean) => (b === undefined || test(b)) && (a === undefined || test(a));
  if (b !== undefined || a !== undefined) {
    if (bothOrAbsent(isRecord)) return walkRecords(b as Record<string, unknown> | undefined, a as Record<string, unknown> | undefined, ptr, ctx, state);
    if (bothOrAbsent(Array.isArray)) return walkArrays(b as unknown[] | undefined, a as unknown[] | undefined, ptr, ctx, state);
    if (isRecord(b) || isRecord(a) || Array.isArray(b) || Array.isArray(a)) {
      // Different shapes on the two sides: nothing to pair, mask each on its own.
      return [walk(b, undefined, ptr, ctx, state)[0], walk(undefined, a, ptr, ctx, state)[1]];
    }
  }
  const maskB = shouldMask(b, ctx);
  const maskA = shouldMask(a, ctx);
  if (!maskB && !maskA) return [b, a];
  state.paths.add(ptr);
  if (maskB && maskA) return [MASKED, b === a ? MASKED : MASKED_CHANGED];
  return [maskB ? MASKED : b, maskA ? MASKED : a];
}

function walkRecords(
  b: Record<string, unknown> | undefined,
  a: Record<string, unknown> | undefined,
  ptr: string,
  ctx: Context,
  state: Walk,
): [unknown, unknown] {
  const outB: Record<string, unknown> | undefined = b === undefined ? undefined : {};
  const outA: Record<string, unknown> | undefined = a === undefined ? undefined : {};
  const keys = new Set([...Object.keys(b ?? {}), ...Object.keys(a ?? {})]);
  for (const key of keys) {
    const child = `${ptr}/${pointerSegment(key)}`;
    const childCtx = childContext(ctx, key);
    const declared = !childCtx.secret && state.fields.length > 0 && state.fields.includes(child);
    const [vb, va] = walk(b?.[key], a?.[key], child, declared ? { ...childCtx, secret: true } : childCtx, state);
    if (outB && b && key in b) outB[key] = vb;
    if (outA && a && key in a) outA[key] = va;
  }
  return [outB, outA];
}

function walkArrays(b: unknown[] | undefined, a: unknown[] | undefined, ptr: string, ctx: Context, state: Walk): [unknown, unknown] {
  const conditionB = b !== undefined && isSecretCondition(b);
  const conditionA = a !== undefined && isSecretCondition(a);
  const length = Math.max(b?.length ?? 0, a?.length ?? 0);
  const outB: unknown[] | undefined = b === undefined ? undefined : [];
  const outA: unknown[] | undefined = a === undefined ? undefined : [];
  for (let i = 0; i < length; i++) {
    // The compared value of a condition on a secret variable is its last element. A position
    // masked on one side is masked on both, so the pair stays comparable.
    const last = (conditionB && i === b!.length - 1) || (conditionA && i === a!.length - 1);
    const [vb, va] = walk(b?.[i], a?.[i], `${ptr}/${i}`, last ? { ...ctx, secret: true } : ctx, state);
    if (outB && i < b!.length) outB.push(vb);
    if (outA && i < a!.length) outA.push(va);
  }
  return [outB, outA];
}
