/**
 * The agent stays responsive while it compiles a large group: `/healthz` keeps answering, and a
 * second signal exits at once. Responsiveness is measured as the event loop sees it: its
 * utilisation while the compile runs (how much of the time it was busy rather than waiting for
 * events), never against a wall-clock limit.
 */
import fs from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SYSTEM_CLOCK } from '../src/agent/clock.js';
import { createLogger } from '../src/agent/log.js';
import { runAgent } from '../src/app/agent.js';
import { CACHE_DIR } from '../src/incremental/compile-cache.js';
import { parseLogLines } from './support/agent-fixture.js';
import type { TempRepo } from './support/git-repo.js';
import { spawnCli } from './support/spawn-cli.js';
import { makeSyntheticRepo } from './support/synthetic-repo.js';

/** Services of the group: a cold compile of them keeps a thread busy for a second or more. */
const SERVICES = 600;

/** Polls `test` every 5 ms; fails after `ms` (a bound on the test, not a timing assertion). */
async function waitFor<T>(what: string, test: () => T | undefined, ms = 60_000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = test();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

describe('the agent while it compiles a large group', () => {
  let repo: TempRepo;
  beforeAll(() => {
    repo = makeSyntheticRepo(SERVICES, { batchTags: true });
  }, 120_000);
  afterAll(() => repo?.cleanup());
  /** Each test compiles from nothing: no compile cache left by the one before. */
  const coldCache = () => fs.rmSync(path.join(repo.dir, CACHE_DIR), { recursive: true, force: true });

  it('answers /healthz all along: the compile does not hold the event loop', async () => {
    coldCache();
    let out = '';
    const logger = createLogger({ write: (line) => (out += line), clock: SYSTEM_CLOCK, level: 'debug' });
    const logged = (msg: string) => parseLogLines(out.slice(0, out.lastIndexOf('\n') + 1)).find((l) => l['msg'] === msg);
    const stop = new AbortController();
    let url = '';
    const running = runAgent({
      cwd: repo.dir,
      groups: ['staging'],
      intervalMs: 60_000,
      pull: false,
      listen: { host: '127.0.0.1', port: 0 },
      once: false,
      env: {},
      logger,
      stop: stop.signal,
      onListening: (u) => (url = u),
    });
    try {
      await waitFor('the compile to start', () => logged('compiling'));
      // While the compile runs: /healthz every 20 ms, and how busy this thread's event loop is.
      let answers = 0;
      const busy = performance.eventLoopUtilization();
      while (logged('compiled') === undefined) {
        const res = await fetch(`${url}/healthz`);
        if (res.status === 200 && (await res.text()) === 'ok\n' && logged('compiled') === undefined) answers += 1;
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      const utilisation = performance.eventLoopUtilization(busy).utilization;
      expect(answers).toBeGreaterThanOrEqual(3);
      // Compiled on this thread, the event loop is busy nearly all the time (above 0.85 here).
      expect(utilisation).toBeLessThan(0.5);
      await waitFor('the reconcile', () => logged('reconcile done'));
    } finally {
      stop.abort();
      await running;
    }
    expect(logged('reconcile done')).toMatchObject({ ok: true, groups: { staging: 'synced' } });
  });

  it('acts on a second signal at once, while the compile still runs', async () => {
    coldCache();
    const { child, stdout: out, exited } = spawnCli(['agent', '--group', 'staging', '--listen', '127.0.0.1:0', '--log-level', 'debug'], repo.dir, process.env);
    const logged = (msg: string) => parseLogLines(out().slice(0, out().lastIndexOf('\n') + 1)).find((l) => l['msg'] === msg);
    try {
      const listening = await waitFor('the endpoints', () => logged('listening'));
      await waitFor('the compile to start', () => logged('compiling'));
      expect((await fetch(`${String(listening['url'])}/healthz`)).status).toBe(200);
      child.kill('SIGTERM');
      await waitFor('the first signal to be handled', () => logged('stopping: the target in flight finishes first'));
      child.kill('SIGTERM');
      expect(await exited).toBe(2);
      const messages = parseLogLines(out()).map((l) => l['msg']);
      expect(messages).toContain('second signal: exiting now');
      // It exited before the compile was over.
      expect(messages).not.toContain('compiled');
    } finally {
      child.kill('SIGKILL');
    }
  });
});
