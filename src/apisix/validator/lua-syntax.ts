/**
 * A syntax checker for the Lua code APISIX compiles when a route, service or plugin is written
 * through the Admin API: `filter_func` and `script` (apisix/admin/routes.lua, services.lua, via
 * `loadstring`) and a plugin's `_meta.pre_function` (apisix/plugin.lua, via `load`).
 *
 * APISIX runs on LuaJIT 2.1, so the grammar is Lua 5.1's plus LuaJIT's additions: `goto` and
 * `::label::`, `break` anywhere in a loop, `\x`, `\z` and `\u{...}` escapes, hexadecimal
 * fractions and `LL`/`ULL`/`i` number suffixes, and a skipped leading `#` line.
 *
 * Contract: `checkLuaChunk(source)` returns `null` when LuaJIT's `load` would compile `source`,
 * and otherwise a message in LuaJIT's words ("'end' expected near '<eof>'"). It decides syntax
 * only; compile-time limits (200 locals, 60 upvalues, jump distances) and unresolved `goto`
 * labels are not checked, so those (unrealistic) chunks are accepted here and rejected by APISIX.
 * It never throws.
 */

export interface LuaChunkSummary {
  /** Kind of the first expression of the chunk's last top-level `return`, if the chunk ends with one. */
  readonly finalReturn: ExprKind | 'none' | null;
  /** A `return` sits in a nested block (if/do/loop) of the main chunk, outside any function. */
  readonly nestedReturn: boolean;
}

export type ExprKind =
  | 'nil' | 'boolean' | 'number' | 'string' | 'vararg' | 'function' | 'table'
  | 'name' | 'index' | 'call' | 'paren' | 'operator';

export type LuaCheckResult =
  | { readonly ok: true; readonly summary: LuaChunkSummary }
  | { readonly ok: false; readonly message: string };

/** Compiles nothing: parses `source` as a LuaJIT main chunk and reports the first syntax error. */
export function checkLuaChunk(source: string): string | null {
  const result = parseLuaChunk(source);
  return result.ok ? null : result.message;
}

/** Like {@link checkLuaChunk}, and on success a summary of what the chunk returns. */
export function parseLuaChunk(source: string): LuaCheckResult {
  try {
    const parser = new Parser(new Lexer(source));
    const summary = parser.chunk();
    return { ok: true, summary };
  } catch (e) {
    if (e instanceof LuaSyntaxError) return { ok: false, message: e.message };
    if (e instanceof RangeError) return { ok: false, message: 'chunk has too many syntax levels' };
    throw e;
  }
}

class LuaSyntaxError extends Error {}

const KEYWORDS = new Set([
  'and', 'break', 'do', 'else', 'elseif', 'end', 'false', 'for', 'function', 'goto', 'if', 'in',
  'local', 'nil', 'not', 'or', 'repeat', 'return', 'then', 'true', 'until', 'while',
]);

type TokenType = 'name' | 'keyword' | 'number' | 'string' | 'symbol' | 'eof';

interface Token {
  readonly type: TokenType;
  /** Name, keyword or symbol text; the source text for numbers and strings. */
  readonly value: string;
  readonly line: number;
}

const SYMBOLS3 = ['...'];
const SYMBOLS2 = ['..', '==', '~=', '<=', '>=', '::'];

/** LuaJIT's `lj_lex.c`, reduced to what decides whether a chunk tokenises. */
class Lexer {
  private pos = 0;
  private line = 1;

  constructor(private readonly src: string) {
    if (src.startsWith('\uFEFF')) this.pos = 1;
    // LuaJIT skips a first line starting with '#', whatever the chunk's origin.
    if (src[this.pos] === '#') {
      while (this.pos < src.length && src[this.pos] !== '\n' && src[this.pos] !== '\r') this.pos++;
    }
  }

  fail(message: string, near: string): never {
    throw new LuaSyntaxError(`line ${this.line}: ${message} near '${near}'`);
  }

  next(): Token {
    const s = this.src;
    for (;;) {
      if (this.pos >= s.length) return { type: 'eof', value: '<eof>', line: this.line };
      const c = s[this.pos]!;
      if (c === '\n' || c === '\r') {
        this.newline();
        continue;
      }
      if (c === ' ' || c === '\t' || c === '\v' || c === '\f') {
        this.pos++;
        continue;
      }
      if (c === '-' && s[this.pos + 1] === '-') {
        this.pos += 2;
        if (s[this.pos] === '[') {
          const level = this.longBracketLevel();
          if (level >= 0) {
            this.longString(level, 'comment');
            continue;
          }
        }
        while (this.pos < s.length && s[this.pos] !== '\n' && s[this.pos] !== '\r') this.pos++;
        continue;
      }
      const line = this.line;
      if (isIdentStart(c)) {
        const start = this.pos;
        while (this.pos < s.length && isIdentChar(s[this.pos]!)) this.pos++;
        const word = s.slice(start, this.pos);
        return { type: KEYWORDS.has(word) ? 'keyword' : 'name', value: word, line };
      }
      if (isDigit(c) || (c === '.' && isDigit(s[this.pos + 1] ?? ''))) return this.number();
      if (c === '"' || c === "'") return this.quotedString(c);
      if (c === '[') {
        const level = this.longBracketLevel();
        if (level >= 0) {
          const start = this.pos;
          this.longString(level, 'string');
          return { type: 'string', value: s.slice(start, this.pos), line };
        }
        if (level === -2) this.fail('invalid long string delimiter', '[=');
        this.pos++;
        return { type: 'symbol', value: '[', line };
      }
      for (const sym of SYMBOLS3) {
        if (s.startsWith(sym, this.pos)) {
          this.pos += sym.length;
          return { type: 'symbol', value: sym, line };
        }
      }
      for (const sym of SYMBOLS2) {
        if (s.startsWith(sym, this.pos)) {
          this.pos += sym.length;
          return { type: 'symbol', value: sym, line };
        }
      }
      // Every other character is a one-character token; the parser rejects the ones Lua lacks.
      const cp = s.codePointAt(this.pos)!;
      const ch = String.fromCodePoint(cp);
      this.pos += ch.length;
      return { type: 'symbol', value: ch, line };
    }
  }

  private newline(): void {
    const c = this.src[this.pos];
    this.pos++;
    const d = this.src[this.pos];
    if ((d === '\n' || d === '\r') && d !== c) this.pos++;
    this.line++;
  }

  /**
   * At a '[': the level of a long bracket `[==[` (number of '='), -1 when this is a plain '[',
   * -2 for a malformed `[=` (LuaJIT: "invalid long string delimiter").
   */
  private longBracketLevel(): number {
    let p = this.pos + 1;
    let level = 0;
    while (this.src[p] === '=') {
      level++;
      p++;
    }
    if (this.src[p] === '[') return level;
    return level === 0 ? -1 : -2;
  }

  private longString(level: number, what: 'string' | 'comment'): void {
    const s = this.src;
    this.pos += level + 2;
    const close = `]${'='.repeat(level)}]`;
    for (;;) {
      if (this.pos >= s.length) {
        this.fail(what === 'string' ? 'unfinished long string' : 'unfinished long comment', '<eof>');
      }
      const c = s[this.pos]!;
      if (c === ']' && s.startsWith(close, this.pos)) {
        this.pos += close.length;
        return;
      }
      if (c === '\n' || c === '\r') this.newline();
      else this.pos++;
    }
  }

  private quotedString(quote: string): Token {
    const s = this.src;
    const line = this.line;
    const start = this.pos;
    this.pos++;
    for (;;) {
      if (this.pos >= s.length) this.fail('unfinished string', '<eof>');
      const c = s[this.pos]!;
      if (c === quote) {
        this.pos++;
        return { type: 'string', value: s.slice(start, this.pos), line };
      }
      if (c === '\n' || c === '\r') this.fail('unfinished string', s.slice(start, this.pos));
      if (c !== '\\') {
        this.pos++;
        continue;
      }
      this.pos++;
      const e = s[this.pos] ?? '';
      if ('abfnrtv\\"\''.includes(e) && e !== '') {
        this.pos++;
      } else if (e === '\n' || e === '\r') {
        this.newline();
      } else if (e === 'x') {
        const hex = s.slice(this.pos + 1, this.pos + 3);
        if (!/^[0-9a-fA-F]{2}$/.test(hex)) this.fail('invalid escape sequence', `\\x${hex}`);
        this.pos += 3;
      } else if (e === 'z') {
        this.pos++;
        while (this.pos < s.length && /[ \t\n\r\v\f]/.test(s[this.pos]!)) {
          if (s[this.pos] === '\n' || s[this.pos] === '\r') this.newline();
          else this.pos++;
        }
      } else if (e === 'u') {
        const m = /^\{([0-9a-fA-F]+)\}/.exec(s.slice(this.pos + 1, this.pos + 16));
        if (!m || Number.parseInt(m[1]!, 16) > 0x10ffff) this.fail('invalid escape sequence', '\\u');
        this.pos += 1 + m[0].length;
      } else if (isDigit(e)) {
        const m = /^[0-9]{1,3}/.exec(s.slice(this.pos, this.pos + 3))!;
        if (Number(m[0]) > 255) this.fail('invalid escape sequence', `\\${m[0]}`);
        this.pos += m[0].length;
      } else {
        this.fail('invalid escape sequence', `\\${e}`);
      }
    }
  }

  private number(): Token {
    const s = this.src;
    const line = this.line;
    const start = this.pos;
    let prev = '';
    // LuaJIT reads every identifier character, '.', and a sign after an exponent marker,
    // then asks its number scanner whether the whole run is a number.
    const hex = /^0[xX]/.test(s.slice(this.pos, this.pos + 2));
    while (this.pos < s.length) {
      const c = s[this.pos]!;
      const exponentSign = (c === '+' || c === '-') && (hex ? prev === 'p' || prev === 'P' : prev === 'e' || prev === 'E');
      if (!(isIdentChar(c) || c === '.' || exponentSign)) break;
      prev = c;
      this.pos++;
    }
    const text = s.slice(start, this.pos);
    if (!LUA_NUMBER.test(text)) this.fail('malformed number', text);
    return { type: 'number', value: text, line };
  }
}

const LUA_NUMBER =
  /^(?:(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?|0[xX](?:[0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)(?:[pP][+-]?[0-9]+)?)(?:[uU]?[lL][lL]|[iI])?$/;

function isDigit(c: string): boolean {
  return c >= '0' && c <= '9';
}
function isIdentStart(c: string): boolean {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c === '_' || c > '\x7f';
}
function isIdentChar(c: string): boolean {
  return isIdentStart(c) || isDigit(c);
}

/** Binary operator priorities (left, right) of Lua 5.1's `lparser.c`. */
const BINARY_PRIORITY: ReadonlyMap<string, readonly [number, number]> = new Map([
  ['+', [6, 6]], ['-', [6, 6]], ['*', [7, 7]], ['/', [7, 7]], ['%', [7, 7]],
  ['^', [10, 9]], ['..', [5, 4]],
  ['==', [3, 3]], ['~=', [3, 3]], ['<', [3, 3]], ['<=', [3, 3]], ['>', [3, 3]], ['>=', [3, 3]],
  ['and', [2, 2]], ['or', [1, 1]],
] as const);
const UNARY_PRIORITY = 8;

interface FunctionState {
  readonly vararg: boolean;
  loops: number;
}

/** Recursive descent over the Lua 5.1 grammar (with LuaJIT's extensions), building nothing. */
class Parser {
  private tok: Token;
  private ahead: Token | null = null;
  private fs: FunctionState = { vararg: true, loops: 0 };
  private functionDepth = 0;
  private blockDepth = 0;
  private nestedReturn = false;

  constructor(private readonly lex: Lexer) {
    this.tok = lex.next();
  }

  chunk(): LuaChunkSummary {
    const finalReturn = this.block();
    if (this.tok.type !== 'eof') this.errorExpected('<eof>');
    return { finalReturn, nestedReturn: this.nestedReturn };
  }

  private advance(): void {
    if (this.ahead) {
      this.tok = this.ahead;
      this.ahead = null;
    } else {
      this.tok = this.lex.next();
    }
  }

  private peek(): Token {
    this.ahead ??= this.lex.next();
    return this.ahead;
  }

  private is(value: string): boolean {
    return (this.tok.type === 'symbol' || this.tok.type === 'keyword') && this.tok.value === value;
  }

  private accept(value: string): boolean {
    if (!this.is(value)) return false;
    this.advance();
    return true;
  }

  private near(): string {
    const t = this.tok;
    if (t.type === 'eof') return '<eof>';
    return t.value.length > 40 ? `${t.value.slice(0, 40)}...` : t.value;
  }

  private fail(message: string): never {
    throw new LuaSyntaxError(`line ${this.tok.line}: ${message} near '${this.near()}'`);
  }

  private errorExpected(what: string): never {
    this.fail(`'${what}' expected`);
  }

  private expect(value: string): void {
    if (!this.accept(value)) this.errorExpected(value);
  }

  /** `what` closes the construct `who` opened on `line` (Lua's "to close" message). */
  private expectMatch(what: string, who: string, line: number): void {
    if (this.accept(what)) return;
    if (line === this.tok.line) this.errorExpected(what);
    this.fail(`'${what}' expected (to close '${who}' at line ${line})`);
  }

  private name(): string {
    if (this.tok.type !== 'name') this.errorExpected('<name>');
    const value = this.tok.value;
    this.advance();
    return value;
  }

  private blockFollows(): boolean {
    const t = this.tok;
    return t.type === 'eof' || (t.type === 'keyword' && ['else', 'elseif', 'end', 'until'].includes(t.value));
  }

  /** A block; returns the kind of its closing `return`'s first expression, or null without one. */
  private block(): ExprKind | 'none' | null {
    while (!this.blockFollows()) {
      if (this.is('return')) {
        if (this.functionDepth === 0 && this.blockDepth > 0) this.nestedReturn = true;
        const kind = this.returnStatement();
        return kind;
      }
      this.statement();
    }
    return null;
  }

  private nestedBlock(): void {
    this.blockDepth++;
    this.block();
    this.blockDepth--;
  }

  private returnStatement(): ExprKind | 'none' {
    this.advance();
    let kind: ExprKind | 'none' = 'none';
    if (!this.blockFollows() && !this.is(';')) kind = this.exprList();
    this.accept(';');
    if (!this.blockFollows()) this.errorExpected(this.functionDepth === 0 && this.blockDepth === 0 ? '<eof>' : 'end');
    return kind;
  }

  private loopBody(): void {
    this.fs.loops++;
    this.nestedBlock();
    this.fs.loops--;
  }

  private statement(): void {
    const line = this.tok.line;
    const t = this.tok;
    if (t.type === 'symbol' && t.value === ';') {
      this.advance();
      return;
    }
    if (t.type === 'symbol' && t.value === '::') {
      this.advance();
      this.name();
      this.expect('::');
      return;
    }
    if (t.type !== 'keyword') {
      this.expressionStatement();
      return;
    }
    switch (t.value) {
      case 'if': {
        this.advance();
        this.expr();
        this.expect('then');
        this.nestedBlock();
        while (this.is('elseif')) {
          this.advance();
          this.expr();
          this.expect('then');
          this.nestedBlock();
        }
        if (this.accept('else')) this.nestedBlock();
        this.expectMatch('end', 'if', line);
        return;
      }
      case 'while':
        this.advance();
        this.expr();
        this.expect('do');
        this.loopBody();
        this.expectMatch('end', 'while', line);
        return;
      case 'do':
        this.advance();
        this.nestedBlock();
        this.expectMatch('end', 'do', line);
        return;
      case 'for': {
        this.advance();
        this.name();
        if (this.accept('=')) {
          this.expr();
          this.expect(',');
          this.expr();
          if (this.accept(',')) this.expr();
        } else if (this.is(',') || this.is('in')) {
          while (this.accept(',')) this.name();
          this.expect('in');
          this.exprList();
        } else {
          this.fail("'=' or 'in' expected");
        }
        this.expect('do');
        this.loopBody();
        this.expectMatch('end', 'for', line);
        return;
      }
      case 'repeat':
        this.advance();
        this.fs.loops++;
        this.nestedBlock();
        this.fs.loops--;
        this.expectMatch('until', 'repeat', line);
        this.expr();
        return;
      case 'function':
        this.advance();
        this.name();
        while (this.accept('.')) this.name();
        if (this.accept(':')) this.name();
        this.functionBody(line);
        return;
      case 'local':
        this.advance();
        if (this.accept('function')) {
          this.name();
          this.functionBody(line);
          return;
        }
        do this.name();
        while (this.accept(','));
        if (this.accept('=')) this.exprList();
        return;
      case 'break':
        if (this.fs.loops === 0) this.fail('no loop to break');
        this.advance();
        return;
      case 'goto':
        this.advance();
        this.name();
        return;
      default:
        this.expressionStatement();
    }
  }

  private expressionStatement(): void {
    const kind = this.suffixedExpr();
    if (this.is('=') || this.is(',')) {
      if (kind !== 'name' && kind !== 'index') this.fail('syntax error');
      while (this.accept(',')) {
        const next = this.suffixedExpr();
        if (next !== 'name' && next !== 'index') this.fail('syntax error');
      }
      this.expect('=');
      this.exprList();
      return;
    }
    if (kind !== 'call') this.fail('syntax error');
  }

  private functionBody(line: number): void {
    const saved = this.fs;
    this.expect('(');
    let vararg = false;
    if (!this.is(')')) {
      do {
        if (this.accept('...')) {
          vararg = true;
          break;
        }
        this.name();
      } while (this.accept(','));
    }
    this.expect(')');
    this.fs = { vararg, loops: 0 };
    this.functionDepth++;
    const savedBlockDepth = this.blockDepth;
    this.blockDepth = 0;
    this.block();
    this.blockDepth = savedBlockDepth;
    this.functionDepth--;
    this.fs = saved;
    this.expectMatch('end', 'function', line);
  }

  /** Comma-separated expressions; returns the kind of the first. */
  private exprList(): ExprKind {
    const first = this.expr();
    while (this.accept(',')) this.expr();
    return first;
  }

  private primaryExpr(): ExprKind {
    if (this.tok.type === 'name') {
      this.advance();
      return 'name';
    }
    if (this.is('(')) {
      const line = this.tok.line;
      this.advance();
      this.expr();
      this.expectMatch(')', '(', line);
      return 'paren';
    }
    return this.fail('unexpected symbol');
  }

  private suffixedExpr(): ExprKind {
    let kind = this.primaryExpr();
    for (;;) {
      const t = this.tok;
      if (t.type === 'string') {
        this.advance();
        kind = 'call';
        continue;
      }
      if (t.type !== 'symbol') return kind;
      switch (t.value) {
        case '.':
          this.advance();
          this.name();
          kind = 'index';
          break;
        case '[':
          this.advance();
          this.expr();
          this.expect(']');
          kind = 'index';
          break;
        case ':':
          this.advance();
          this.name();
          this.callArgs();
          kind = 'call';
          break;
        case '(':
        case '{':
          this.callArgs();
          kind = 'call';
          break;
        default:
          return kind;
      }
    }
  }

  private callArgs(): void {
    if (this.tok.type === 'string') {
      this.advance();
      return;
    }
    if (this.is('{')) {
      this.tableConstructor();
      return;
    }
    const line = this.tok.line;
    this.expect('(');
    if (!this.is(')')) this.exprList();
    this.expectMatch(')', '(', line);
  }

  private tableConstructor(): void {
    const line = this.tok.line;
    this.expect('{');
    while (!this.is('}')) {
      if (this.is('[')) {
        this.advance();
        this.expr();
        this.expect(']');
        this.expect('=');
        this.expr();
      } else if (this.tok.type === 'name' && this.peek().type === 'symbol' && this.peek().value === '=') {
        this.advance();
        this.advance();
        this.expr();
      } else {
        this.expr();
      }
      if (!this.accept(',') && !this.accept(';')) break;
    }
    this.expectMatch('}', '{', line);
  }

  private simpleExpr(): ExprKind {
    const t = this.tok;
    switch (t.type) {
      case 'number':
        this.advance();
        return 'number';
      case 'string':
        this.advance();
        return 'string';
      case 'keyword':
        if (t.value === 'nil') {
          this.advance();
          return 'nil';
        }
        if (t.value === 'true' || t.value === 'false') {
          this.advance();
          return 'boolean';
        }
        if (t.value === 'function') {
          const line = t.line;
          this.advance();
          this.functionBody(line);
          return 'function';
        }
        break;
      case 'symbol':
        if (t.value === '...') {
          if (!this.fs.vararg) this.fail("cannot use '...' outside a vararg function");
          this.advance();
          return 'vararg';
        }
        if (t.value === '{') {
          this.tableConstructor();
          return 'table';
        }
        break;
      default:
        break;
    }
    return this.suffixedExpr();
  }

  private expr(limit = 0): ExprKind {
    let kind: ExprKind;
    if (this.is('not') || this.is('-') || this.is('#')) {
      this.advance();
      this.expr(UNARY_PRIORITY);
      kind = 'operator';
    } else {
      kind = this.simpleExpr();
    }
    for (;;) {
      const t = this.tok;
      const priority = t.type === 'symbol' || t.type === 'keyword' ? BINARY_PRIORITY.get(t.value) : undefined;
      if (!priority || priority[0] <= limit) return kind;
      this.advance();
      this.expr(priority[1]);
      kind = 'operator';
    }
  }
}
