/**
 * The ajv keywords of lua-schema.ts's vocabulary: api7/jsonschema's rules written as code ajv
 * generates, so that the validators compiled ahead of time carry them (no function is looked up
 * at run time).
 *
 * - `luaType: [types]`: the JSON types of the value, where an empty array is also an object and
 *   an empty object also an array (Lua has one empty table); `integer` is a number with no
 *   fractional part.
 * - `luaEmptyArray: message` / `luaEmptyObject: message`: the empty table fails this node's object
 *   (array) keywords, which ajv does not apply to `[]` (`{}`).
 * - `luaRequiredOneOf` / `luaRequiredAnyOf: [[names]]`: exactly one / at least one of the lists of
 *   property names is all present; the empty table has no property, a value that is not a table
 *   is left to the type check.
 */

import type { Ajv, KeywordCxt } from 'ajv';

type Codegen = Pick<typeof import('ajv'), '_' | 'str'>;

export function addLuaKeywords(ajv: Ajv, { _, str }: Codegen): void {
  ajv.addKeyword({
    keyword: 'luaType',
    schemaType: 'array',
    code(cxt: KeywordCxt) {
      const d = cxt.data;
      const tests = (cxt.schema as string[]).map((type) => {
        switch (type) {
          case 'object':
            return _`(${d} !== null && typeof ${d} == "object" && (!Array.isArray(${d}) || ${d}.length === 0))`;
          case 'array':
            return _`(Array.isArray(${d}) || (${d} !== null && typeof ${d} == "object" && Object.keys(${d}).length === 0))`;
          case 'integer':
            return _`(typeof ${d} == "number" && ${d} % 1 === 0)`;
          case 'null':
            return _`(${d} === null)`;
          default:
            return _`(typeof ${d} == ${type})`;
        }
      });
      const any = tests.reduce((a, b) => _`${a} || ${b}`);
      cxt.fail(_`!(${any})`);
    },
    error: { message: (cxt) => str`must be ${(cxt.schema as string[]).join(' or ')}`, params: (cxt) => _`{type: ${(cxt.schema as string[]).join(',')}}` },
  });

  ajv.addKeyword({
    keyword: 'luaEmptyArray',
    type: 'array',
    schemaType: 'string',
    code(cxt: KeywordCxt) {
      cxt.fail(_`${cxt.data}.length === 0`);
    },
    error: { message: (cxt) => str`${cxt.schema as string}` },
  });

  ajv.addKeyword({
    keyword: 'luaEmptyObject',
    type: 'object',
    schemaType: 'string',
    code(cxt: KeywordCxt) {
      cxt.fail(_`Object.keys(${cxt.data}).length === 0`);
    },
    error: { message: (cxt) => str`${cxt.schema as string}` },
  });

  for (const [keyword, exactlyOne] of [['luaRequiredOneOf', true], ['luaRequiredAnyOf', false]] as const) {
    ajv.addKeyword({
      keyword,
      schemaType: 'array',
      code(cxt: KeywordCxt) {
        const { gen, data } = cxt;
        const lists = cxt.schema as string[][];
        const count = gen.let('count', 0);
        gen.if(_`${data} !== null && typeof ${data} == "object" && !Array.isArray(${data})`, () => {
          for (const list of lists) {
            const all = list.length === 0 ? _`true` : list.map((name) => _`${data}[${name}] !== undefined`).reduce((a, b) => _`${a} && ${b}`);
            gen.if(all, () => gen.code(_`${count}++`));
          }
        });
        const isTable = _`${data} !== null && typeof ${data} == "object" && (!Array.isArray(${data}) || ${data}.length === 0)`;
        cxt.setParams({ count });
        cxt.fail(exactlyOne ? _`${isTable} && ${count} !== 1` : _`${isTable} && ${count} === 0`);
      },
      error: {
        message: (cxt) => {
          const lists = cxt.schema as string[][];
          const missing = `missing ${describeAlternatives(lists, 'or')}: ${exactlyOne ? 'one of them is required' : 'at least one is required'}`;
          if (!exactlyOne) return str`${missing}`;
          const tooMany = `only one of ${describeAlternatives(lists, 'or')} is allowed`;
          return _`${cxt.params.count} === 0 ? ${missing} : ${tooMany}`;
        },
        params: (cxt) => _`{count: ${cxt.params.count}}`,
      },
    });
  }
}

/** `[['a'], ['b', 'c']]` → "a or (b and c)". */
export function describeAlternatives(lists: readonly (readonly string[])[], conjunction: string): string {
  const names = lists.map((list) => (list.length === 1 ? list[0]! : `(${joinNames(list, 'and')})`));
  return joinNames(names, conjunction);
}

function joinNames(names: readonly string[], conjunction: string): string {
  if (names.length <= 1) return names.join('');
  return `${names.slice(0, -1).join(', ')} ${conjunction} ${names[names.length - 1]!}`;
}
