import { describe, expect, it } from 'vitest';
import { graphqlDefinitions } from './graphql-syntax.js';

describe('graphqlDefinitions (graphql-lua 0.0.2)', () => {
  it.each([
    ['{ persons { id name } }', 1],
    ['query { persons(id: 1) { id } }', 1],
    ['query Persons($name: String!, $n: [Int] = [1]) { persons(filter: { name: $name }, first: $n) { id } }', 1],
    ['mutation { add(a: "x\\"y", b: -1.5e3, c: true, d: ENUM) @include(if: $v) { id } }', 1],
    ['fragment f on Person { id } query { persons { ...f ... on Person { name } } }', 2],
    ['query A { a } query B { b }', 2],
    ['{ a } # a comment', 1],
    ['{ a(s: "# not a comment") }', 1],
    ['', 0],
  ])('%j has %i definitions', (query, count) => {
    expect(graphqlDefinitions(query)).toBe(count);
  });

  it.each([
    'abc',
    '*',
    '::1',
    '{ a',
    'subscription { a }',
    '{ a(x: ) }',
    'fragment on on T { a }',
    '{ a(x: "unterminated) }',
  ])('%j does not parse', (query) => {
    expect(graphqlDefinitions(query)).toBeNull();
  });
});
