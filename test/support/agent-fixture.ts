/**
 * The world of the agent tests, all on 127.0.0.1: the bundled example configuration as an
 * author's repository, its bare copy served over HTTP by git's http-backend, the agent's own clone
 * of that URL (made with `git clone`), and Admin API test servers as the staging fleet
 * (`kind: apisix`, `admin_key: env:…`). Plus a manual clock, so passes, intervals and backoffs
 * take no time.
 */
import path from 'node:path';
import { Agent, type AgentOptions } from '../../src/agent/agent.js';
import type { Clock } from '../../src/agent/clock.js';
import { createLogger } from '../../src/agent/log.js';
import { loadGroupSnapshot } from '../../src/app/group-snapshot.js';
import { startAdminServer, type AdminServer } from './apisix-admin-server.js';
import { makeExampleRepo, writeExampleTls } from './example-repo.js';
import { makeTempDir, runGit, type TempRepo } from './git-repo.js';
import { gitAsync, startGitHttpServer, type GitHttpServer } from './git-http-server.js';

/** Admin keys of the fleet, by the variable the group.yaml references. */
export const FLEET_KEYS = {
  TAGWAY_AGENT_EU1_KEY: 'agent-eu1-key-5d1f0e9a7b3c4286',
  TAGWAY_AGENT_EU2_KEY: 'agent-eu2-key-a8e2c4f6b1d3907e',
} as const;

/** Objects of the example's staging group (petstore 1.1.0 with its canary upstream, its global rule, plugin metadata, secret manager and certificate). */
export const STAGING_OBJECTS = 22;

/** A route petstore 1.2.0 adds. */
export const PETSTORE_1_2_ROUTE = '  - name: adopt\n    uris: [/adopt]\n    methods: [POST]\n';

export function stagingGroup(targets: readonly { readonly name: string; readonly url: string; readonly keyVar: string }[]): string {
  const list = targets.map((t) => `  - name: ${t.name}\n    kind: apisix\n    admin_url: ${t.url}\n    admin_key: env:${t.keyVar}\n`).join('');
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ninclude: [consumer-groups/mobile-apps, consumers/petstore-mobile]\ntargets:\n${list}rollout:\n  batch_size: 1\n`;
}

export interface AgentWorld {
  readonly author: TempRepo;
  /** Path of the bare repository the server serves. */
  readonly bare: string;
  readonly git: GitHttpServer;
  /** The agent's clone (of the HTTP URL). */
  readonly clone: string;
  /** The staging fleet, in rollout order (`eu-1`, then `eu-2` when asked for). */
  readonly fleet: readonly AdminServer[];
  /** The author commits (and optionally tags) a change and pushes both to the bare repository. */
  publish(files: Readonly<Record<string, string>>, message: string, tag?: string): string;
  close(): Promise<void>;
}

export async function startAgentWorld(options: { readonly targets?: 1 | 2 } = {}): Promise<AgentWorld> {
  const vars = Object.keys(FLEET_KEYS) as (keyof typeof FLEET_KEYS)[];
  const fleet = await Promise.all(vars.slice(0, options.targets ?? 1).map((v) => startAdminServer({ apiKey: FLEET_KEYS[v] })));
  const author = makeExampleRepo({
    'gateway-groups/staging/group.yaml': stagingGroup(fleet.map((server, i) => ({ name: `eu-${i + 1}`, url: server.url, keyVar: vars[i] ?? '' }))),
  });
  const root = makeTempDir('tagway-agent-remote-');
  runGit(root.dir, ['clone', '--quiet', '--bare', author.dir, 'config.git']);
  const git = await startGitHttpServer({ root: root.dir });
  const work = makeTempDir('tagway-agent-');
  await gitAsync(work.dir, ['clone', '--quiet', git.url('config.git'), 'clone']);
  // The agent's host holds the example's certificate files, as the demo makes them: git has none.
  writeExampleTls(path.join(work.dir, 'clone'));
  const bare = path.join(root.dir, 'config.git');
  return {
    author,
    bare,
    git,
    clone: path.join(work.dir, 'clone'),
    fleet,
    publish(files, message, tag) {
      author.writeAll(files);
      const commit = author.commit(message);
      if (tag !== undefined) author.tag(tag, { message: tag });
      author.git('push', '--quiet', bare, 'main', ...(tag !== undefined ? [`refs/tags/${tag}`] : []));
      return commit;
    },
    async close() {
      await Promise.all([git.close(), ...fleet.map((f) => f.close())]);
      author.cleanup();
      root.cleanup();
      work.cleanup();
    },
  };
}

export interface ManualClock extends Clock {
  /** Epoch ms now. */
  readonly time: number;
  advance(ms: number): void;
  /** Called at the start of each `sleep`, with the number of sleeps so far (1-based). */
  onSleep: ((count: number) => void) | null;
}

/**
 * A clock that moves only when told to: `sleep` advances it by the time asked (or not at all when
 * aborted) and yields to the event loop once, so a loop under test runs pass after pass at once.
 */
export function manualClock(start = Date.UTC(2025, 0, 1), random = 0.5): ManualClock {
  let time = start;
  let sleeps = 0;
  const clock: ManualClock = {
    get time() {
      return time;
    },
    now: () => time,
    random: () => random,
    advance(ms) {
      time += ms;
    },
    onSleep: null,
    async sleep(ms, signal) {
      sleeps += 1;
      clock.onSleep?.(sleeps);
      if (signal?.aborted !== true) time += ms;
      await new Promise<void>((resolve) => setImmediate(resolve));
    },
  };
  return clock;
}

/** Parses JSON-lines log output. */
export function parseLogLines(text: string): Record<string, unknown>[] {
  return text
    .split('\n')
    .filter((line) => line.length > 0)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

export interface AgentUnderTest {
  readonly agent: Agent;
  readonly clock: ManualClock;
  logs(): Record<string, unknown>[];
  text(): string;
}

/**
 * An agent of the staging group on the world's clone, logging JSON lines at debug level, with a
 * manual clock: gateway retries and health-check probes wait no wall-clock time.
 */
export function newAgent(world: AgentWorld, overrides: Partial<AgentOptions> = {}): AgentUnderTest {
  const clock = manualClock();
  let out = '';
  const agent = new Agent({
    dir: world.clone,
    groups: ['staging'],
    intervalMs: 10_000,
    pull: true,
    env: FLEET_KEYS,
    logger: createLogger({ write: (line) => (out += line), clock, level: 'debug' }),
    clock,
    runtime: { sleep: async () => undefined },
    probeRuntime: { sleep: async () => undefined, now: () => clock.now() },
    loadGroup: loadGroupSnapshot,
    ...overrides,
  });
  return { agent, clock, logs: () => parseLogLines(out), text: () => out };
}
