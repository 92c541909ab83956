/**
 * The GraphQL parser degraphql runs on its `query` (graphql-lua 0.0.2, graphql/parse.lua, which
 * APISIX depends on): its PEG grammar, matched the way LPeg matches it (ordered choice, greedy
 * repetition, no backtracking into a repetition), after its comment stripping. It knows queries
 * and mutations, fragments, variables, directives and values; not subscriptions, block strings or
 * the type system.
 */

type Pattern = (s: string, i: number) => number;

const FAIL = -1;

const lit = (text: string): Pattern => (s, i) => (s.startsWith(text, i) ? i + text.length : FAIL);
const charIn = (test: (c: string) => boolean): Pattern => (s, i) => (i < s.length && test(s[i]!) ? i + 1 : FAIL);
const seq = (...parts: Pattern[]): Pattern => (s, i) => {
  let at = i;
  for (const part of parts) {
    at = part(s, at);
    if (at === FAIL) return FAIL;
  }
  return at;
};
const alt = (...choices: Pattern[]): Pattern => (s, i) => {
  for (const choice of choices) {
    const at = choice(s, i);
    if (at !== FAIL) return at;
  }
  return FAIL;
};
/** `p ^ min`: at least `min` repetitions, as many as match. */
const repeat = (p: Pattern, min = 0): Pattern => (s, i) => {
  let at = i;
  let count = 0;
  for (;;) {
    const next = p(s, at);
    if (next === FAIL || next === at) break;
    at = next;
    count += 1;
  }
  return count >= min ? at : FAIL;
};
const maybe = (p: Pattern): Pattern => (s, i) => {
  const at = p(s, i);
  return at === FAIL ? i : at;
};
/** `p - q`: `p`, where `q` does not match. */
const except = (p: Pattern, ...qs: Pattern[]): Pattern => (s, i) => (qs.some((q) => q(s, i) !== FAIL) ? FAIL : p(s, i));
const notAhead = (p: Pattern): Pattern => (s, i) => (p(s, i) === FAIL ? i : FAIL);
/** A rule of the grammar, looked up when matched (the grammar refers to itself). */
const rule = (name: string): Pattern => (s, i) => (grammar as Readonly<Record<string, Pattern>>)[name]!(s, i);

const isLetter = (c: string): boolean => (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
const isDigit = (c: string): boolean => c >= '0' && c <= '9';

const ws = repeat(charIn((c) => c === ' ' || c === '\t' || c === '\r' || c === '\n'));
const comma = repeat(lit(','));
const list = (p: Pattern, min = 0): Pattern => repeat(seq(p, ws, comma, ws), min);

const rawName = seq(charIn((c) => c === '_' || isLetter(c)), repeat(charIn((c) => c === '_' || isDigit(c) || isLetter(c))));
const name = rawName;
const fragmentName = except(rawName, seq(lit('on'), notAhead(rawName)));
const alias = seq(ws, name, lit(':'), ws);
const integerPart = seq(maybe(lit('-')), alt(lit('0'), seq(charIn((c) => c >= '1' && c <= '9'), repeat(charIn(isDigit)))));
const fractionalPart = seq(lit('.'), repeat(charIn(isDigit), 1));
const exponentialPart = seq(charIn((c) => c === 'E' || c === 'e'), maybe(charIn((c) => c === '+' || c === '-')), repeat(charIn(isDigit), 1));
const floatValue = seq(integerPart, alt(seq(fractionalPart, exponentialPart), fractionalPart, exponentialPart));
const booleanValue = alt(lit('true'), lit('false'));
const stringValue = seq(lit('"'), repeat(except(alt(lit('\\"'), charIn(() => true)), charIn((c) => c === '"' || c === '\n'))), lit('"'));
const enumValue = except(rawName, lit('true'), lit('false'), lit('null'));
const variable = seq(ws, lit('$'), name);

const grammar = {
  definition: alt(rule('operation'), rule('fragmentDefinition')),
  operationType: alt(lit('query'), lit('mutation')),
  operation: alt(
    seq(rule('operationType'), ws, maybe(name), maybe(rule('variableDefinitions')), maybe(rule('directives')), rule('selectionSet')),
    rule('selectionSet'),
  ),
  fragmentDefinition: seq(lit('fragment'), ws, fragmentName, ws, rule('typeCondition'), ws, rule('selectionSet')),
  selectionSet: seq(ws, lit('{'), ws, list(rule('selection')), ws, lit('}')),
  selection: seq(ws, alt(rule('field'), rule('fragmentSpread'), rule('inlineFragment'))),
  field: seq(ws, maybe(alias), name, maybe(rule('arguments')), maybe(rule('directives')), maybe(rule('selectionSet'))),
  fragmentSpread: seq(ws, lit('...'), ws, fragmentName, maybe(rule('directives'))),
  inlineFragment: seq(ws, lit('...'), ws, maybe(rule('typeCondition')), maybe(rule('directives')), rule('selectionSet')),
  typeCondition: seq(lit('on'), ws, rule('namedType')),
  argument: seq(ws, name, lit(':'), rule('value')),
  arguments: seq(lit('('), list(rule('argument'), 1), lit(')')),
  directive: seq(lit('@'), name, maybe(rule('arguments'))),
  directives: seq(ws, list(rule('directive'), 1), ws),
  variableDefinition: seq(ws, variable, ws, lit(':'), ws, rule('type'), maybe(seq(ws, lit('='), rule('value'))), comma, ws),
  variableDefinitions: seq(ws, lit('('), list(rule('variableDefinition'), 1), lit(')')),
  value: seq(ws, alt(variable, rule('objectValue'), rule('listValue'), enumValue, stringValue, booleanValue, floatValue, integerPart)),
  listValue: seq(lit('['), list(rule('value')), lit(']')),
  objectFieldValue: seq(ws, rawName, ws, lit(':'), ws, rule('value'), comma),
  objectValue: seq(lit('{'), ws, list(rule('objectFieldValue')), ws, lit('}')),
  type: alt(rule('nonNullType'), rule('listType'), rule('namedType')),
  namedType: name,
  listType: seq(lit('['), ws, rule('type'), ws, lit(']')),
  nonNullType: seq(alt(rule('namedType'), rule('listType')), lit('!')),
};

/** The number of definitions (operations and fragments) of `query`, or null when it does not parse. */
export function graphqlDefinitions(query: string): number | null {
  const s = stripComments(query);
  let at = ws(s, 0);
  let count = 0;
  for (;;) {
    const next = seq(grammar.definition, ws, comma, ws)(s, at);
    if (next === FAIL || next === at) break;
    at = next;
    count += 1;
  }
  return at === s.length ? count : null;
}

/**
 * graphql-lua's `stripComments`: on each line, from a '#' preceded by an even number of quotes
 * (counting a quote only after another character that is not a backslash) to the end of the line.
 */
function stripComments(text: string): string {
  return text
    .split('\n')
    .map((line) => {
      let index = 0;
      for (;;) {
        const hash = line.indexOf('#', index);
        if (hash < 0) return line;
        const chunk = line.slice(0, hash);
        const quotes = (chunk.match(/[^\\]"/g) ?? []).length;
        if (quotes % 2 === 0) return chunk;
        index = hash + 1;
      }
    })
    .join('\n');
}
