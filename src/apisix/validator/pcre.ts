/**
 * What OpenResty's `ngx.re` API refuses when a plugin's `check_schema` compiles a regular
 * expression through it (`ngx.re.sub` in proxy-rewrite and redirect, `re_match_compile` of
 * lib/resty/core/regex.lua in cors and ua-restriction and response-rewrite).
 *
 * - `pcreSyntaxError`: the PCRE compile errors that hold in PCRE 8.x and PCRE2 alike and can be
 *   told from the pattern text alone: an unbalanced parenthesis, an unterminated character class,
 *   a trailing backslash, a quantifier with nothing to repeat (at the start of the pattern, a group
 *   or an alternative, after `^`, `$`, `\b`, `\B`, `\A`, `\z`, `\Z`, `\G`, or after another
 *   quantifier), `{n,m}` with m < n, and a range of literal characters out of order. Anything else
 *   is accepted, so a pattern this accepts may still fail to compile in APISIX (for example a
 *   back reference to a group that does not exist, or a lookbehind of variable length).
 * - `replacementTemplateError`: lua-nginx-module's `ngx_http_lua_script_compile`
 *   (src/ngx_http_lua_script.c), which compiles the replacement of `ngx.re.sub`: after a `$` only
 *   `$`, digits or `{digits}` may follow.
 * - `regexOptionsError`: `parse_regex_opts` of lib/resty/core/regex.lua, which raises on an
 *   option letter it does not know.
 */

/** Escapes that assert a position and so cannot be repeated. */
const ASSERTION_ESCAPES = new Set(['b', 'B', 'A', 'z', 'Z', 'G']);
/** Escapes that may carry a `{...}` argument (`\x{41}`, `\p{L}`, `\g{1}`, ...). */
const BRACED_ESCAPES = new Set(['x', 'o', 'p', 'P', 'N', 'g', 'k']);

type Previous = 'nothing' | 'item' | 'quantifier' | 'undecided';

class Undecided extends Error {}

/** The first PCRE compile error certain from the text of `pattern`, or null. */
export function pcreSyntaxError(pattern: string): string | null {
  try {
    return scan(pattern);
  } catch (e) {
    if (e instanceof Undecided) return null;
    throw e;
  }
}

function scan(p: string): string | null {
  const n = p.length;
  let depth = 0;
  let previous: Previous = 'nothing';
  let i = 0;
  while (i < n) {
    const c = p[i]!;
    if (c === '\\') {
      if (i + 1 >= n) return '\\ at end of pattern';
      const e = p[i + 1]!;
      if (e === 'Q') {
        const end = p.indexOf('\\E', i + 2);
        const stop = end < 0 ? n : end;
        if (stop > i + 2) previous = 'item';
        i = end < 0 ? n : end + 2;
        continue;
      }
      if (e === 'E') {
        i += 2;
        continue;
      }
      i = skipEscape(p, i);
      previous = ASSERTION_ESCAPES.has(e) ? 'nothing' : e === 'K' ? 'undecided' : 'item';
      continue;
    }
    if (c === '[') {
      const end = scanClass(p, i);
      if (typeof end === 'string') return end;
      i = end;
      previous = 'item';
      continue;
    }
    if (c === '(') {
      const opened = scanGroupStart(p, i);
      if (typeof opened === 'string') return opened;
      i = opened.next;
      depth += opened.depth;
      previous = opened.previous;
      continue;
    }
    if (c === ')') {
      if (depth === 0) return 'unmatched closing parenthesis';
      depth--;
      i++;
      previous = 'item';
      continue;
    }
    if (c === '|') {
      i++;
      previous = 'nothing';
      continue;
    }
    if (c === '^' || c === '$') {
      i++;
      previous = 'nothing';
      continue;
    }
    if (c === '*' || c === '+' || c === '?') {
      if (previous === 'nothing' || previous === 'quantifier') return 'quantifier does not follow a repeatable item';
      i = skipQuantifierSuffix(p, i + 1);
      previous = previous === 'undecided' ? 'undecided' : 'quantifier';
      continue;
    }
    if (c === '{') {
      const counted = /^\{(\d+)(?:,(\d*))?\}/.exec(p.slice(i, i + 24));
      if (!counted) {
        i++;
        previous = 'item';
        continue;
      }
      const min = Number(counted[1]);
      const max = counted[2] === undefined || counted[2] === '' ? undefined : Number(counted[2]);
      if (min > 65535 || (max !== undefined && max > 65535)) return 'number too big in {} quantifier';
      if (max !== undefined && max < min) return 'numbers out of order in {} quantifier';
      if (previous === 'quantifier') return 'quantifier does not follow a repeatable item';
      i = skipQuantifierSuffix(p, i + counted[0].length);
      previous = previous === 'item' ? 'quantifier' : 'undecided';
      continue;
    }
    i++;
    previous = 'item';
  }
  return depth > 0 ? 'missing closing parenthesis' : null;
}

function skipQuantifierSuffix(p: string, i: number): number {
  return p[i] === '?' || p[i] === '+' ? i + 1 : i;
}

/** Index after the escape starting at `i` (a backslash that is not the last character). */
function skipEscape(p: string, i: number): number {
  const e = p[i + 1]!;
  if (BRACED_ESCAPES.has(e) && p[i + 2] === '{') {
    const close = p.indexOf('}', i + 3);
    if (close < 0) throw new Undecided();
    return close + 1;
  }
  if ((e === 'k' || e === 'g') && (p[i + 2] === '<' || p[i + 2] === "'")) {
    const close = p.indexOf(p[i + 2] === '<' ? '>' : "'", i + 3);
    if (close < 0) throw new Undecided();
    return close + 1;
  }
  if (e === 'c') {
    if (i + 2 >= p.length) throw new Undecided();
    return i + 3;
  }
  if ((e === 'p' || e === 'P') && i + 2 < p.length) return i + 3;
  return i + 2;
}

/**
 * A character class from its `[`: the index after its `]`, or the error. A `]` right after the
 * opening `[` or `[^` is a literal, and `[:name:]`, `[.x.]`, `[=x=]` are POSIX items.
 */
function scanClass(p: string, start: number): number | string {
  const n = p.length;
  let j = start + 1;
  if (p[j] === '^') j++;
  if (p[j] === ']') j++;
  while (j < n) {
    const ch = p[j]!;
    if (ch === ']') return j + 1;
    if (ch === '\\') {
      if (j + 1 >= n) return '\\ at end of pattern';
      j = skipEscape(p, j);
      continue;
    }
    if (ch === '[' && (p[j + 1] === ':' || p[j + 1] === '.' || p[j + 1] === '=')) {
      const close = posixClassEnd(p, j);
      if (close > 0) {
        j = close;
        continue;
      }
    }
    const to = p[j + 2];
    if (p[j + 1] === '-' && to !== undefined && to !== ']' && to !== '\\' && to !== '[') {
      if (ch.codePointAt(0)! > to.codePointAt(0)!) return 'range out of order in character class';
      j += 3;
      continue;
    }
    j++;
  }
  return 'missing terminating ] for character class';
}

/** The index after a POSIX item `[:...:]` starting at `j`, or -1 when there is none. */
function posixClassEnd(p: string, j: number): number {
  const terminator = p[j + 1]!;
  for (let k = j + 2; k < p.length; k++) {
    const ch = p[k];
    if (ch === ']') return -1;
    if (ch === terminator && p[k + 1] === ']') return k + 2;
  }
  return -1;
}

interface GroupStart {
  readonly next: number;
  /** 1 when a group opens, 0 when the construct closed itself (`(?i)`, `(?#...)`, `(*VERB)`, `(?1)`). */
  readonly depth: 0 | 1;
  readonly previous: Previous;
}

/** The construct starting with `(` at `i`. */
function scanGroupStart(p: string, i: number): GroupStart | string {
  const next = p[i + 1];
  if (next === '*') {
    const close = p.indexOf(')', i + 2);
    if (close < 0) throw new Undecided();
    return { next: close + 1, depth: 0, previous: 'undecided' };
  }
  if (next !== '?') return { next: i + 1, depth: 1, previous: 'nothing' };
  const kind = p[i + 2];
  if (kind === undefined) return 'missing closing parenthesis';
  if (kind === '#') {
    const close = p.indexOf(')', i + 3);
    if (close < 0) return 'missing ) after (?# comment';
    return { next: close + 1, depth: 0, previous: 'undecided' };
  }
  if (kind === ':' || kind === '=' || kind === '!' || kind === '>' || kind === '|') {
    return { next: i + 3, depth: 1, previous: 'nothing' };
  }
  if (kind === '<' && (p[i + 3] === '=' || p[i + 3] === '!')) return { next: i + 4, depth: 1, previous: 'nothing' };
  if (kind === '<' || kind === "'" || (kind === 'P' && p[i + 3] === '<')) {
    const close = p.indexOf(kind === "'" ? "'" : '>', i + 3);
    if (close < 0) throw new Undecided();
    return { next: close + 1, depth: 1, previous: 'nothing' };
  }
  if (kind === 'P' || kind === 'R' || kind === '&' || kind === '+' || /[0-9]/.test(kind) || (kind === '-' && /[0-9]/.test(p[i + 3] ?? ''))) {
    const close = p.indexOf(')', i + 3);
    if (close < 0) throw new Undecided();
    return { next: close + 1, depth: 0, previous: 'item' };
  }
  if (kind === '(') {
    const close = p.indexOf(')', i + 3);
    if (close < 0) throw new Undecided();
    return { next: close + 1, depth: 1, previous: 'nothing' };
  }
  // Option settings: (?i), (?-s), (?^), or a group with options (?i:...).
  const options = /^[a-zA-Z^-]*/.exec(p.slice(i + 2))![0];
  const after = p[i + 2 + options.length];
  if (after === ')') return { next: i + 3 + options.length, depth: 0, previous: 'undecided' };
  if (after === ':') return { next: i + 3 + options.length, depth: 1, previous: 'nothing' };
  throw new Undecided();
}

/**
 * lua-nginx-module `ngx_http_lua_script_compile`: the replacement of `ngx.re.sub`. A `$` must be
 * followed by `$` (a literal dollar), digits (`$1`) or digits in braces (`${1}`).
 */
export function replacementTemplateError(template: string): string | null {
  for (let i = 0; i < template.length; i++) {
    if (template[i] !== '$') continue;
    const rest = template.slice(i + 1);
    const variable = /^(?:\$|[0-9]+|\{[0-9]+\})/.exec(rest);
    if (variable) {
      i += variable[0].length;
      continue;
    }
    if (rest.startsWith('{') && /^\{[0-9]+/.test(rest)) {
      return `the closing bracket in "${rest}" variable is missing`;
    }
    if (/^\{?[A-Za-z_]/.test(rest)) {
      return 'named captures are not supported in the replacement (use $1, ${1} or $$)';
    }
    return 'invalid capturing variable name (use $1, ${1} or $$)';
  }
  return null;
}

const REGEX_OPTIONS = new Set(['o', 'j', 'i', 's', 'm', 'u', 'U', 'x', 'd', 'a', 'D', 'J']);

/** lib/resty/core/regex.lua `parse_regex_opts`: every letter must be a known option. */
export function regexOptionsError(options: string): string | null {
  for (const letter of options) {
    if (!REGEX_OPTIONS.has(letter)) return `unknown flag "${letter}" (flags "${options}")`;
  }
  return null;
}
