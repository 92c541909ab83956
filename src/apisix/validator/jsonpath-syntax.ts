/**
 * Whether a JSONPath expression parses with the `jsonpath` 1.0 rock APISIX uses to check
 * `post_arg.*` variables in route `vars` (apisix/admin/routes.lua, validate_post_arg → jp.parse).
 *
 * That library's grammar is an LPeg PEG (David Chester's JSONPath dialect: `$`, `.name`, `..name`,
 * `[*]`, unions, slices, `?(filter)` and `(script)` expressions). The recogniser below follows the
 * same ordered choices, so it accepts exactly the strings `jp.parse` accepts: each rule is a
 * function from a start offset to the end offset of its match, or -1, and a choice commits to its
 * first matching alternative as a PEG does.
 */

type Rule = (s: string, i: number) => number;

const FAIL = -1;

function lit(text: string): Rule {
  return (s, i) => (s.startsWith(text, i) ? i + text.length : FAIL);
}

function caseless(text: string): Rule {
  return (s, i) => (s.slice(i, i + text.length).toLowerCase() === text.toLowerCase() ? i + text.length : FAIL);
}

function set(chars: string): Rule {
  return (s, i) => (i < s.length && chars.includes(s[i]!) ? i + 1 : FAIL);
}

function range(test: (c: string) => boolean): Rule {
  return (s, i) => (i < s.length && test(s[i]!) ? i + 1 : FAIL);
}

function seq(...rules: Rule[]): Rule {
  return (s, i) => {
    let p = i;
    for (const rule of rules) {
      p = rule(s, p);
      if (p === FAIL) return FAIL;
    }
    return p;
  };
}

function choice(...rules: Rule[]): Rule {
  return (s, i) => {
    for (const rule of rules) {
      const p = rule(s, i);
      if (p !== FAIL) return p;
    }
    return FAIL;
  };
}

/** `rule^0`: greedy and possessive, as in LPeg. */
function many(rule: Rule): Rule {
  return (s, i) => {
    let p = i;
    for (;;) {
      const q = rule(s, p);
      if (q === FAIL || q === p) return p;
      p = q;
    }
  };
}

function many1(rule: Rule): Rule {
  return seq(rule, many(rule));
}

/** `rule^-1`. */
function optional(rule: Rule): Rule {
  return (s, i) => {
    const p = rule(s, i);
    return p === FAIL ? i : p;
  };
}

/** `1 - set`: any one character outside `chars`. */
function notIn(chars: string): Rule {
  return (s, i) => (i < s.length && !chars.includes(s[i]!) ? i + 1 : FAIL);
}

const any: Rule = (s, i) => (i < s.length ? i + 1 : FAIL);

/** Forward reference for the grammar's recursive rules. */
function ref(get: () => Rule): Rule {
  return (s, i) => get()(s, i);
}

const space = set(' \t\n');
const optSpace = many(space);
const lparen = seq(lit('('), optSpace);
const rparen = seq(lit(')'), optSpace);
const lbrack = seq(lit('['), optSpace);
const rbrack = lit(']');
const comma = seq(lit(','), optSpace);
const colon = seq(lit(':'), optSpace);

const sign = set('+-');
const digit = range((c) => c >= '0' && c <= '9');
const alpha0 = range((c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c === '_');
const alphaN = range((c) => (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c === '_');
const hexdigit = range((c) => /[0-9A-Fa-f]/.test(c));

const numberHex = seq(lit('0'), set('xX'), many1(hexdigit));
const numberRat = seq(
  optional(sign),
  choice(seq(many1(digit), lit('.'), many(digit)), seq(optional(lit('.')), many1(digit))),
  optional(seq(set('eE'), optional(sign), many1(digit))),
);

const stringQ = seq(lit("'"), many(choice(seq(lit('\\'), any), notIn("\\'"))), lit("'"));
const stringQQ = seq(lit('"'), many(choice(seq(lit('\\'), any), notIn('\\"'))), lit('"'));

const stringLiteral = seq(choice(stringQ, stringQQ), optSpace);
const numberLiteral = seq(choice(numberHex, numberRat), optSpace);
const booleanLiteral = seq(choice(caseless('true'), caseless('false')), optSpace);

const identifier = seq(alpha0, many(alphaN));
const name = seq(identifier, optSpace);
const varDot = seq(lit('@'), lit('.'), identifier, many(seq(lit('.'), identifier)));
const varBrack = seq(lit('@'), lbrack, stringLiteral, rbrack);
const variable = seq(choice(varDot, varBrack), optSpace);
const varLength = seq(lit('@'), lit('.'), lit('length'), optSpace);

const childIndex = seq(optional(sign), many1(digit), optSpace);

const opPrec6 = seq(set('*/%'), optSpace);
const opPrec5 = seq(set('+-'), optSpace);
const opPrec4 = seq(choice(lit('<='), lit('>='), set('<>')), optSpace);
const opPrec3 = seq(choice(lit('=='), lit('='), lit('!='), lit('<>')), optSpace);
const opPrec2 = seq(choice(caseless('AND'), lit('&&')), optSpace);
const opPrec1 = seq(choice(caseless('OR'), lit('||')), optSpace);

const EXPR: Rule = ref(() => exprRule);
const fact = choice(stringLiteral, numberLiteral, booleanLiteral, varLength, variable, seq(lparen, EXPR, rparen));
const exp6 = seq(fact, many(seq(opPrec6, fact)));
const exp5 = seq(exp6, many(seq(opPrec5, exp6)));
const exp4 = seq(exp5, many(seq(opPrec4, exp5)));
const exp3 = seq(exp4, many(seq(opPrec3, exp4)));
const exp2 = seq(exp3, many(seq(opPrec2, exp3)));
const exprRule: Rule = seq(exp2, many(seq(opPrec1, exp2)));

const childSlice = seq(optional(childIndex), colon, optional(childIndex), optional(seq(colon, childIndex)));
const childUnionExpr = choice(childSlice, stringLiteral, childIndex);
const childUnion = choice(
  seq(childUnionExpr, many(seq(comma, childUnionExpr))),
  seq(lit('('), optSpace, EXPR, lit(')')),
);
const childFilter = seq(lit('?('), optSpace, EXPR, lit(')'));
const childSubscriptExpr = choice(lit('*'), childUnion, childSlice, childFilter);
const childSubscript = seq(lit('['), childSubscriptExpr, lit(']'));
const childName = choice(childIndex, name, lit('*'));

const child1 = choice(
  seq(lit('$'), choice(lit('..'), lit('.')), childName),
  seq(lit('$'), childSubscript),
  lit('$'),
  choice(childSubscript, childName),
);
const childN = choice(
  seq(choice(lit('..'), lit('.')), childName),
  seq(lit('..'), childSubscript),
  childSubscript,
);

const jsonpath = seq(optSpace, child1, many(childN), optSpace);

/** `null` when `jp.parse(expression)` succeeds, else its complaint. */
export function checkJsonPath(expression: string): string | null {
  const end = jsonpath(expression, 0);
  if (end === FAIL) return `invalid expression "${expression}"`;
  if (end !== expression.length) return `invalid expression "${expression}" near "${expression.slice(end)}"`;
  return null;
}
