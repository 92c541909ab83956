import { describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { readStandalone } from './from-standalone.js';

const FILE = `routes:
  - id: 1
    uri: /pets
    upstream_id: u1
upstreams:
  - id: u1
    nodes:
      "10.0.0.1:80": 1
consumers:
  - username: alice
    plugins:
      key-auth:
        key: k
plugins:
  - name: key-auth
#END
`;

describe('a standalone file as a source', () => {
  it('reads every kind, ids as strings, keyed as APISIX keys them', () => {
    const source = readStandalone(FILE, 'conf/apisix.yaml');
    expect(source.config.routes).toEqual([{ id: '1', uri: '/pets', upstream_id: 'u1' }]);
    expect(source.config.upstreams.map((u) => u.id)).toEqual(['u1']);
    expect(source.config.consumers).toEqual([{ id: 'alice', username: 'alice', plugins: { 'key-auth': { key: 'k' } } }]);
  });

  it('reports a list it does not know instead of dropping it', () => {
    expect(readStandalone(FILE, 'conf/apisix.yaml').unexpressed).toEqual([{ kind: 'plugins', id: '*', reason: 'conf/apisix.yaml:14:1: "plugins" holds no kind of object tagway writes' }]);
  });

  const mistakes: { name: string; text: string; message: string }[] = [
    { name: 'bad YAML', text: 'routes:\n  - id: 1\n   uri: /x\n', message: 'conf/apisix.yaml:3:1: not valid YAML' },
    { name: 'not a map', text: '- 1\n', message: 'conf/apisix.yaml:1:1: a standalone file is a map of lists' },
    { name: 'a list that is not one', text: 'routes:\n  id: 1\n', message: 'conf/apisix.yaml:2:3: "routes" is not a list' },
    { name: 'an item without its id', text: 'routes:\n  - uri: /x\n', message: 'conf/apisix.yaml:2:5: an item of "routes" has no id' },
    { name: 'a consumer without its username', text: 'consumers:\n  - plugins: {}\n', message: 'conf/apisix.yaml:2:5: an item of "consumers" has no username' },
  ];
  it.each(mistakes)('names file, line and column of $name', ({ text, message }) => {
    let caught: unknown;
    try {
      readStandalone(text, 'conf/apisix.yaml');
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(UserError);
    expect((caught as Error).message.startsWith(message)).toBe(true);
  });
});
