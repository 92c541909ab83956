/**
 * GitHub Actions expressions (`${{ … }}`), as far as tagway's workflows and action use them:
 * literals, context access (`github.event.pull_request.base.sha`, `steps.run.outputs.exit-code`,
 * `matrix.group`), `!`, `==`, `!=`, `<`, `<=`, `>`, `>=`, `&&`, `||`, parentheses, and the
 * functions contains, startsWith, endsWith, format, join, toJSON, fromJSON and the status
 * functions. Anything else (`.*` filters, hashFiles) throws, so a workflow that starts using it
 * fails its test instead of being run wrongly.
 *
 * Semantics follow GitHub's documentation: property names and string comparisons ignore case,
 * `==` between different types compares them as numbers, a missing property is null, `&&` and
 * `||` return one of their operands.
 * https://docs.github.com/en/actions/reference/workflows-and-actions/expressions
 */

export type Value = null | boolean | number | string | readonly Value[] | { readonly [key: string]: Value };

export interface ExpressionContext {
  /** Named contexts: github, env, inputs, steps, needs, matrix, secrets, vars, runner, job, strategy. */
  readonly contexts: Readonly<Record<string, Value>>;
  /** Result of `success()` / `failure()` where the expression is evaluated. */
  readonly status: { readonly success: boolean; readonly failure: boolean };
}

type Token =
  | { readonly kind: 'punct'; readonly value: string }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'number'; readonly value: number }
  | { readonly kind: 'ident'; readonly value: string };

const PUNCT = ['&&', '||', '==', '!=', '<=', '>=', '<', '>', '!', '(', ')', '[', ']', ',', '.'];

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < source.length) {
    const ch = source[i]!;
    if (/\s/.test(ch)) {
      i++;
      continue;
    }
    if (ch === "'") {
      let value = '';
      i++;
      for (;;) {
        if (i >= source.length) throw new Error(`unterminated string in expression: ${source}`);
        if (source[i] === "'") {
          if (source[i + 1] === "'") {
            value += "'";
            i += 2;
            continue;
          }
          i++;
          break;
        }
        value += source[i];
        i++;
      }
      tokens.push({ kind: 'string', value });
      continue;
    }
    const number = /^(?:0x[0-9a-fA-F]+|-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)/.exec(source.slice(i));
    if (number && (tokens.length === 0 || tokens[tokens.length - 1]!.kind === 'punct')) {
      tokens.push({ kind: 'number', value: Number(number[0]) });
      i += number[0].length;
      continue;
    }
    const ident = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(source.slice(i));
    if (ident) {
      tokens.push({ kind: 'ident', value: ident[0] });
      i += ident[0].length;
      continue;
    }
    const punct = PUNCT.find((p) => source.startsWith(p, i));
    if (!punct) throw new Error(`unsupported character ${JSON.stringify(ch)} in expression: ${source}`);
    tokens.push({ kind: 'punct', value: punct });
    i += punct.length;
  }
  return tokens;
}

type Node =
  | { readonly kind: 'literal'; readonly value: Value }
  | { readonly kind: 'context'; readonly name: string }
  | { readonly kind: 'member'; readonly object: Node; readonly key: Node }
  | { readonly kind: 'call'; readonly name: string; readonly args: readonly Node[] }
  | { readonly kind: 'not'; readonly operand: Node }
  | { readonly kind: 'binary'; readonly op: string; readonly left: Node; readonly right: Node };

class Parser {
  private pos = 0;
  constructor(
    private readonly tokens: readonly Token[],
    private readonly source: string,
  ) {}

  parse(): Node {
    const node = this.or();
    if (this.pos < this.tokens.length) throw this.error('unexpected token');
    return node;
  }

  private error(message: string): Error {
    return new Error(`${message} at token ${this.pos} in expression: ${this.source}`);
  }

  private peek(value: string): boolean {
    const t = this.tokens[this.pos];
    return t !== undefined && t.kind === 'punct' && t.value === value;
  }

  private eat(value: string): void {
    if (!this.peek(value)) throw this.error(`expected ${value}`);
    this.pos++;
  }

  private or(): Node {
    let left = this.and();
    while (this.peek('||')) {
      this.pos++;
      left = { kind: 'binary', op: '||', left, right: this.and() };
    }
    return left;
  }

  private and(): Node {
    let left = this.equality();
    while (this.peek('&&')) {
      this.pos++;
      left = { kind: 'binary', op: '&&', left, right: this.equality() };
    }
    return left;
  }

  private equality(): Node {
    let left = this.comparison();
    while (this.peek('==') || this.peek('!=')) {
      const op = (this.tokens[this.pos++] as { value: string }).value;
      left = { kind: 'binary', op, left, right: this.comparison() };
    }
    return left;
  }

  private comparison(): Node {
    let left = this.unary();
    while (this.peek('<') || this.peek('<=') || this.peek('>') || this.peek('>=')) {
      const op = (this.tokens[this.pos++] as { value: string }).value;
      left = { kind: 'binary', op, left, right: this.unary() };
    }
    return left;
  }

  private unary(): Node {
    if (this.peek('!')) {
      this.pos++;
      return { kind: 'not', operand: this.unary() };
    }
    return this.postfix();
  }

  private postfix(): Node {
    let node = this.primary();
    for (;;) {
      if (this.peek('.')) {
        this.pos++;
        const t = this.tokens[this.pos++];
        if (t === undefined || t.kind !== 'ident') throw this.error('expected a property name (`.*` filters are not supported)');
        node = { kind: 'member', object: node, key: { kind: 'literal', value: t.value } };
      } else if (this.peek('[')) {
        this.pos++;
        const key = this.or();
        this.eat(']');
        node = { kind: 'member', object: node, key };
      } else return node;
    }
  }

  private primary(): Node {
    const t = this.tokens[this.pos++];
    if (t === undefined) throw this.error('unexpected end');
    if (t.kind === 'string' || t.kind === 'number') return { kind: 'literal', value: t.value };
    if (t.kind === 'punct') {
      if (t.value !== '(') throw this.error(`unexpected ${t.value}`);
      const inner = this.or();
      this.eat(')');
      return inner;
    }
    if (t.value === 'true' || t.value === 'false') return { kind: 'literal', value: t.value === 'true' };
    if (t.value === 'null') return { kind: 'literal', value: null };
    if (this.peek('(')) {
      this.pos++;
      const args: Node[] = [];
      if (!this.peek(')')) {
        args.push(this.or());
        while (this.peek(',')) {
          this.pos++;
          args.push(this.or());
        }
      }
      this.eat(')');
      return { kind: 'call', name: t.value.toLowerCase(), args };
    }
    return { kind: 'context', name: t.value };
  }
}

function isObject(value: Value | undefined): value is { readonly [key: string]: Value } {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function member(object: Value, key: Value): Value {
  if (Array.isArray(object) && typeof key === 'number') return object[key] ?? null;
  if (!isObject(object) || typeof key !== 'string') return null;
  if (key in object) return object[key] ?? null;
  const lower = key.toLowerCase();
  const found = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return found === undefined ? null : (object[found] ?? null);
}

export function truthy(value: Value): boolean {
  return !(value === null || value === false || value === 0 || value === '' || Number.isNaN(value));
}

function toNumber(value: Value): number {
  if (value === null) return 0;
  if (typeof value === 'boolean') return value ? 1 : 0;
  if (typeof value === 'number') return value;
  if (typeof value === 'string') return value.trim() === '' ? 0 : Number(value);
  return Number.NaN;
}

function looseEquals(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === 'object' && a !== null) return a === b;
  if (typeof b === 'object' && b !== null) return false;
  if (typeof a === typeof b) return a === b;
  return toNumber(a) === toNumber(b);
}

/** How a value reads inside a string (`${{ }}` interpolation, `format`, `join`). */
export function toText(value: Value): string {
  if (value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean' || typeof value === 'number') return String(value);
  return JSON.stringify(value, null, 2);
}

function call(name: string, args: readonly Value[], ctx: ExpressionContext): Value {
  const str = (i: number) => toText(args[i] ?? null);
  switch (name) {
    case 'success':
      return ctx.status.success;
    case 'failure':
      return ctx.status.failure;
    case 'always':
      return true;
    case 'cancelled':
      return false;
    case 'contains': {
      const haystack = args[0] ?? null;
      if (Array.isArray(haystack)) return haystack.some((item) => looseEquals(item, args[1] ?? null));
      return str(0).toLowerCase().includes(str(1).toLowerCase());
    }
    case 'startswith':
      return str(0).toLowerCase().startsWith(str(1).toLowerCase());
    case 'endswith':
      return str(0).toLowerCase().endsWith(str(1).toLowerCase());
    case 'format':
      return str(0)
        .replace(/\{(\d+)\}/g, (_, i: string) => toText(args[Number(i) + 1] ?? null))
        .replace(/\{\{/g, '{')
        .replace(/\}\}/g, '}');
    case 'join': {
      const items = args[0] ?? null;
      const sep = args.length > 1 ? str(1) : ',';
      return Array.isArray(items) ? items.map(toText).join(sep) : toText(items);
    }
    case 'tojson':
      return JSON.stringify(args[0] ?? null, null, 2);
    case 'fromjson':
      return JSON.parse(str(0)) as Value;
    default:
      throw new Error(`unsupported function ${name}()`);
  }
}

function evaluateNode(node: Node, ctx: ExpressionContext): Value {
  switch (node.kind) {
    case 'literal':
      return node.value;
    case 'context':
      return member(ctx.contexts as Value, node.name);
    case 'member':
      return member(evaluateNode(node.object, ctx), evaluateNode(node.key, ctx));
    case 'call':
      return call(
        node.name,
        node.args.map((a) => evaluateNode(a, ctx)),
        ctx,
      );
    case 'not':
      return !truthy(evaluateNode(node.operand, ctx));
    case 'binary': {
      const left = evaluateNode(node.left, ctx);
      if (node.op === '&&') return truthy(left) ? evaluateNode(node.right, ctx) : left;
      if (node.op === '||') return truthy(left) ? left : evaluateNode(node.right, ctx);
      const right = evaluateNode(node.right, ctx);
      if (node.op === '==') return looseEquals(left, right);
      if (node.op === '!=') return !looseEquals(left, right);
      const [l, r] = typeof left === 'string' && typeof right === 'string' ? [left.toLowerCase(), right.toLowerCase()] : [toNumber(left), toNumber(right)];
      if (node.op === '<') return l < r;
      if (node.op === '<=') return l <= r;
      if (node.op === '>') return l > r;
      return l >= r;
    }
  }
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if:` condition). */
export function evaluate(source: string, ctx: ExpressionContext): Value {
  return evaluateNode(new Parser(tokenize(source), source).parse(), ctx);
}

const TEMPLATE = /\$\{\{([\s\S]*?)\}\}/g;

/**
 * A workflow string with its `${{ }}` parts evaluated. A string that is a single expression keeps
 * the expression's type (so `matrix: ${{ fromJSON(…) }}` gives an array).
 */
export function interpolate(text: string, ctx: ExpressionContext): Value {
  const whole = /^\s*\$\{\{([\s\S]*?)\}\}\s*$/.exec(text);
  if (whole && !whole[1]!.includes('}}')) return evaluate(whole[1]!, ctx);
  return text.replace(TEMPLATE, (_, inner: string) => toText(evaluate(inner, ctx)));
}

/** Whether an `if:` holds: a bare expression or one in `${{ }}`; without a status function it also needs `success()`. */
export function condition(source: string | boolean | undefined, ctx: ExpressionContext): boolean {
  if (source === undefined) return ctx.status.success;
  if (typeof source === 'boolean') return source && ctx.status.success;
  const inner = /^\s*\$\{\{([\s\S]*)\}\}\s*$/.exec(source)?.[1] ?? source;
  const hasStatus = /\b(success|failure|always|cancelled)\s*\(/i.test(inner);
  return truthy(evaluate(hasStatus ? inner : `success() && (${inner})`, ctx));
}
