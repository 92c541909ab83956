import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { ApisixTargetSpec } from '../../model/target.js';
import { closeTargets, createTargets } from './create.js';
import type { Target } from './port.js';

/** An Admin API with nothing on it; counts the connections opened to it. */
let connections = 0;
let url = '';
const server = http.createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{"total":0,"list":[]}');
});
server.on('connection', () => {
  connections += 1;
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  connections = 0;
});

const gateway = (name: string): ApisixTargetSpec => ({ kind: 'apisix', name, admin_url: url, admin_key: 'env:K' });
const env = { K: 'admin-key-1' };

/** A dispatcher that counts the requests sent through it. */
class CountingAgent extends Agent {
  requests = 0;
  override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
    this.requests += 1;
    return super.dispatch(options, handler);
  }
}

describe('the targets of a fleet', () => {
  // A read lists every kind at once: the pool's size is what bounds the connections.
  it.each([
    ['one connection with a concurrency of 1', 1, (n: number) => n === 1],
    ['at most two with a concurrency of 2', 2, (n: number) => n >= 1 && n <= 2],
    ['more than two by default (16)', undefined, (n: number) => n > 2],
  ] as const)('%s', async (_name, concurrency, expected) => {
    const targets = createTargets([gateway('eu-1')], { env, root: '.', ...(concurrency !== undefined ? { concurrency } : {}) });
    try {
      await targets[0]!.read();
    } finally {
      await closeTargets(targets);
    }
    expect({ connections, expected: expected(connections) }).toEqual({ connections, expected: true });
  });

  it('sends through the dispatcher given for a target, and through its own pool for one without', async () => {
    const agent = new CountingAgent();
    const asked: string[] = [];
    const targets = createTargets([gateway('eu-1'), gateway('eu-2')], {
      env,
      root: '.',
      dispatcher: (spec) => {
        asked.push(spec.name);
        return spec.name === 'eu-1' ? agent : undefined;
      },
    });
    try {
      await targets[0]!.read();
      expect(agent.requests).toBeGreaterThan(0);
      const before = agent.requests;
      await targets[1]!.read();
      expect(agent.requests).toBe(before);
    } finally {
      await closeTargets(targets);
      await agent.close();
    }
    expect(asked).toEqual(['eu-1', 'eu-2']);
  });
});

describe('closing targets', () => {
  it('closes every target, one whose close fails included', async () => {
    const closed: string[] = [];
    const fake = (name: string, fails: boolean): Target =>
      ({
        name,
        close: async () => {
          closed.push(name);
          if (fails) throw new Error(`${name} would not close`);
        },
      }) as unknown as Target;
    await expect(closeTargets([fake('a', true), fake('b', false), fake('c', true)])).resolves.toBeUndefined();
    expect(closed).toEqual(['a', 'b', 'c']);
  });

  it("ends a target's own connection pool: the target is not used afterwards", async () => {
    const targets = createTargets([gateway('eu-1')], { env, root: '.', retry: { maxAttempts: 1 } });
    await targets[0]!.read();
    await closeTargets(targets);
    await expect(targets[0]!.read()).rejects.toThrow();
  });
});
