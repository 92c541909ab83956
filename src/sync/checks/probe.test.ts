import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ProbeSpec } from '../../model/target.js';
import { readyProbe, runProbe, SYSTEM_PROBE_RUNTIME, type ProbeRuntime } from './probe.js';

/** Answers each request with the next `[status, body]` of the script (the last one repeats). */
let script: [number, string][] = [[200, 'ok']];
let served = 0;
let url = '';
const paths: string[] = [];
const headers: http.IncomingHttpHeaders[] = [];
const server = http.createServer((req, res) => {
  req.resume();
  paths.push(req.url ?? '');
  headers.push(req.headers);
  const [status, body] = script[Math.min(served++, script.length - 1)]!;
  res.writeHead(status);
  res.end(body);
});
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** A clock that moves `step` ms each time it is read, and by each wait. */
function fakeRuntime(step = 0): ProbeRuntime & { slept: number[] } {
  let t = 0;
  const slept: number[] = [];
  return {
    slept,
    now: () => (t += step),
    sleep: async (ms) => {
      slept.push(ms);
      t += ms;
    },
  };
}

const base: ProbeSpec = { name: 'p', path: '/health', interval: 1, failures: 1 };

describe('a probe', () => {
  const cases: [string, [number, string][], Partial<ProbeSpec>, { ok: boolean; attempts: number; reason: string | null }][] = [
    ['passes on the first good answer', [[200, 'ok']], {}, { ok: true, attempts: 1, reason: null }],
    ['takes the default statuses 200-399', [[302, '']], {}, { ok: true, attempts: 1, reason: null }],
    ['fails on a status outside them', [[500, '']], {}, { ok: false, attempts: 1, reason: 'status 500, expected 200-399' }],
    ['takes ranges and codes', [[204, '']], { status: [200, '203-204'] }, { ok: true, attempts: 1, reason: null }],
    ['fails when the body does not match', [[200, 'down']], { body: '^up$' }, { ok: false, attempts: 1, reason: 'the body does not match /^up$/' }],
    ['passes when it does', [[200, 'up']], { body: '^up$' }, { ok: true, attempts: 1, reason: null }],
    ['needs `successes` good answers in a row', [[200, ''], [500, ''], [200, ''], [200, '']], { successes: 2, failures: 3 }, { ok: true, attempts: 4, reason: null }],
    ['fails after `failures` bad answers in a row', [[500, ''], [200, ''], [500, ''], [500, '']], { successes: 2, failures: 2 }, { ok: false, attempts: 4, reason: 'status 500, expected 200-399' }],
    ['outlasts a gateway still loading its configuration', [[404, ''], [404, ''], [200, '']], { failures: 3 }, { ok: true, attempts: 3, reason: null }],
    ['fails at its deadline', [[500, '']], { failures: 100, interval: 2, deadline: 5 }, { ok: false, attempts: 3, reason: 'deadline of 5 s passed (status 500, expected 200-399)' }],
    ['sends a last request when the next wait ends exactly at the deadline', [[500, '']], { failures: 100, interval: 1, deadline: 2 }, { ok: false, attempts: 3, reason: 'deadline of 2 s passed (status 500, expected 200-399)' }],
    ['fails at its deadline though passing, when short of `successes`', [[200, '']], { successes: 3, interval: 1, deadline: 1 }, { ok: false, attempts: 2, reason: 'deadline of 1 s passed (2 of 3 passing answers in a row)' }],
    ['a deadline of 60 s by default', [[500, '']], { failures: 1000 }, { ok: false, attempts: 61, reason: 'deadline of 60 s passed (status 500, expected 200-399)' }],
    ['takes 399 by default', [[399, '']], {}, { ok: true, attempts: 1, reason: null }],
    ['but not 400', [[400, '']], {}, { ok: false, attempts: 1, reason: 'status 400, expected 200-399' }],
    ['nor a status below a range', [[200, '']], { status: ['201-299', 304] }, { ok: false, attempts: 1, reason: 'status 200, expected 201-299, 304' }],
    ['takes the lower bound of a range', [[203, '']], { status: [200, '203-204'] }, { ok: true, attempts: 1, reason: null }],
  ];
  it.each(cases)('%s', async (_name, answers, spec, expected) => {
    script = answers;
    served = 0;
    const result = await runProbe(readyProbe({ ...base, ...spec }, {}, 'g'), url, { runtime: fakeRuntime() });
    expect({ ok: result.ok, attempts: result.attempts, reason: result.reason }).toEqual(expected);
  });

  it.each([
    ["APISIX's own 404", [404, '{"error_msg":"404 Route Not Found"}'], false],
    ["a backend's 404", [404, '{"message":"no such pet"}'], true],
    ["another status with the gateway's words: only a 404 is its own", [200, '{"error_msg":"404 Route Not Found"}'], true],
  ] as const)('with a route-not-found body to tell apart: %s', async (_name, answer, ok) => {
    script = [[answer[0], answer[1]]];
    served = 0;
    const probe = { ...readyProbe({ ...base, status: ['100-499'] }, {}, 'g'), unrouted: /"error_msg"\s*:\s*"404 Route Not Found"/ };
    const result = await runProbe(probe, url, { runtime: fakeRuntime() });
    expect([result.ok, result.reason]).toEqual([ok, ok ? null : 'no route matched (the gateway answered its own 404)']);
  });

  it('fails an answer slower than its latency budget', async () => {
    script = [[200, 'ok']];
    served = 0;
    // The clock moves 40 ms at each reading: an answer "takes" 40 ms.
    const result = await runProbe(readyProbe({ ...base, latency_ms: 30 }, {}, 'g'), url, { runtime: fakeRuntime(40) });
    expect(result).toMatchObject({ ok: false, status: 200, latencyMs: 40, reason: 'took 40 ms, more than 30 ms' });
  });

  it.each([
    ['a budget met exactly', 40, { ok: true, reason: null }],
    ['one below it', 39, { ok: false, reason: 'took 40 ms, more than 39 ms' }],
  ] as const)('an answer that takes 40 ms, against %s', async (_name, budget, expected) => {
    script = [[200, 'ok']];
    served = 0;
    const result = await runProbe(readyProbe({ ...base, latency_ms: budget }, {}, 'g'), url, { runtime: fakeRuntime(40) });
    expect({ ok: result.ok, reason: result.reason }).toEqual(expected);
  });

  it('fails after 3 bad answers in a row by default', async () => {
    script = [[500, ''], [500, ''], [500, ''], [200, '']];
    served = 0;
    const { failures: _failures, ...spec } = base;
    const result = await runProbe(readyProbe(spec, {}, 'g'), url, { runtime: fakeRuntime() });
    expect({ ok: result.ok, attempts: result.attempts, reason: result.reason }).toEqual({ ok: false, attempts: 3, reason: 'status 500, expected 200-399' });
  });

  it('waits a second between two requests by default', async () => {
    script = [[500, ''], [200, '']];
    served = 0;
    const runtime = fakeRuntime();
    const { interval: _interval, ...spec } = { ...base, failures: 2 };
    await runProbe(readyProbe(spec, {}, 'g'), url, { runtime });
    expect(runtime.slept).toEqual([1000]);
  });

  it('waits its interval between two requests', async () => {
    script = [[500, ''], [200, '']];
    served = 0;
    const runtime = fakeRuntime();
    await runProbe(readyProbe({ ...base, interval: 1.5, failures: 2 }, {}, 'g'), url, { runtime });
    expect(runtime.slept).toEqual([1500]);
  });

  it('reads the body only to judge it, and judges an empty one', async () => {
    script = [[200, '']];
    served = 0;
    const result = await runProbe(readyProbe({ ...base, body: '^$' }, {}, 'g'), url, { runtime: fakeRuntime() });
    expect([result.ok, result.reason]).toEqual([true, null]);
  });

  it('takes a 404 as any status without a route-not-found body to tell apart', async () => {
    script = [[404, '{"error_msg":"404 Route Not Found"}']];
    served = 0;
    const result = await runProbe(readyProbe({ ...base, status: ['100-499'] }, {}, 'g'), url, { runtime: fakeRuntime() });
    expect([result.ok, result.reason]).toEqual([true, null]);
  });

  it('sends through the dispatcher it is given', async () => {
    script = [[200, '']];
    served = 0;
    let dispatched = 0;
    const agent = new (class extends Agent {
      override dispatch(options: Dispatcher.DispatchOptions, handler: Dispatcher.DispatchHandler): boolean {
        dispatched += 1;
        return super.dispatch(options, handler);
      }
    })();
    try {
      const result = await runProbe(readyProbe(base, {}, 'g'), url, { runtime: fakeRuntime(), dispatcher: agent });
      expect([result.ok, dispatched]).toEqual([true, 1]);
    } finally {
      await agent.close();
    }
  });

  it('says so when nothing answers', async () => {
    const closed = http.createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const result = await runProbe(readyProbe(base, {}, 'g'), `http://127.0.0.1:${port}`, { runtime: fakeRuntime() });
    expect(result).toMatchObject({ ok: false, status: null, reason: 'no answer (ECONNREFUSED)' });
  });

  it('stops between two requests once stopped', async () => {
    script = [[500, '']];
    served = 0;
    const stop = new AbortController();
    stop.abort();
    const result = await runProbe(readyProbe({ ...base, failures: 5 }, {}, 'g'), url, { runtime: fakeRuntime(), signal: stop.signal });
    expect(result).toMatchObject({ ok: false, attempts: 1, reason: 'stopped before it passed' });
  });

  it("keeps to the proxy_url's host and path, whatever the probe's path", async () => {
    script = [[200, '']];
    paths.length = 0;
    for (const [proxy, path] of [[`${url}/gw/`, '/health?x=1'], [url, '//evil.example/x'], [`${url}/gw//`, 'health']] as const) {
      const result = await runProbe(readyProbe({ ...base, path }, {}, 'g'), proxy, { runtime: fakeRuntime() });
      expect(result.ok).toBe(true);
    }
    expect(paths).toEqual(['/gw/health?x=1', '/evil.example/x', '/gw/health']);
  });

  it('sends the host it is given and describes the request without headers', async () => {
    script = [[200, '']];
    served = 0;
    const probe = readyProbe({ ...base, method: 'HEAD', host: 'api.example.com', headers: { 'X-Key': 'env:K' } }, { K: 'secret-value-1' }, 'g');
    const result = await runProbe(probe, url, { runtime: fakeRuntime() });
    expect(result.request).toBe('HEAD api.example.com /health');
    expect(JSON.stringify(result)).not.toContain('secret-value-1');
    expect(headers.at(-1)).toMatchObject({ host: 'api.example.com', 'x-key': 'secret-value-1' });
  });
});

describe('a probe made ready', () => {
  it('names the group, the probe and the header of a variable that is not set', () => {
    expect(() => readyProbe({ ...base, headers: { 'X-Key': 'env:PROBE_KEY_UNSET' } }, {}, 'g')).toThrow(
      expect.objectContaining({ data: expect.objectContaining({ code: 'credentials', target: 'g (probe p)', message: 'target g (probe p): environment variable PROBE_KEY_UNSET (from headers.X-Key: env:PROBE_KEY_UNSET) is not set' }) }),
    );
  });
});

describe("the system clock's wait", () => {
  it.each([
    ['ends at once when already stopped', true],
    ['ends when stopped during it', false],
  ] as const)('%s', async (_name, before) => {
    const stop = new AbortController();
    if (before) stop.abort();
    // A wait of a day: it can only end by the stop.
    const wait = SYSTEM_PROBE_RUNTIME.sleep(86_400_000, stop.signal);
    if (!before) stop.abort();
    await expect(wait).resolves.toBeUndefined();
  });

  it('ends after its time when not stopped, not before', async () => {
    vi.useFakeTimers();
    try {
      let ended = false;
      const wait = SYSTEM_PROBE_RUNTIME.sleep(1000, new AbortController().signal).then(() => {
        ended = true;
      });
      await vi.advanceTimersByTimeAsync(999);
      expect(ended).toBe(false);
      await vi.advanceTimersByTimeAsync(1);
      await wait;
      expect(ended).toBe(true);
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads a clock that moves', async () => {
    const t0 = SYSTEM_PROBE_RUNTIME.now();
    await SYSTEM_PROBE_RUNTIME.sleep(5);
    expect(SYSTEM_PROBE_RUNTIME.now()).toBeGreaterThan(t0);
  });
});
