import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { errorsBetween, judgeMetrics, latencyQuantile, parseExposition, readyMetricsCheck, sampleOf, scrape, type MetricsSample } from './metrics.js';

describe('reading a text exposition', () => {
  it.each([
    ['a plain series', 'up 1', [{ name: 'up', labels: {}, value: 1 }]],
    ['labels, and a timestamp after the value', 'apisix_http_status{code="200",route="r1"} 12 1700000000000', [{ name: 'apisix_http_status', labels: { code: '200', route: 'r1' }, value: 12 }]],
    ['escapes in label values', 'm{a="q\\"x",b="back\\\\slash",c="line\\nbreak"} 2', [{ name: 'm', labels: { a: 'q"x', b: 'back\\slash', c: 'line\nbreak' }, value: 2 }]],
    ['+Inf as a label and a value', 'h_bucket{le="+Inf"} +Inf', [{ name: 'h_bucket', labels: { le: '+Inf' }, value: Infinity }]],
    ['comments and blank lines', '# HELP m help\n# TYPE m counter\n\nm 3', [{ name: 'm', labels: {}, value: 3 }]],
    ['a trailing comma in labels', 'm{a="1",} 4', [{ name: 'm', labels: { a: '1' }, value: 4 }]],
    ['lines that are not series', 'm{a=1} 2\nm{a="1" 2\n{a="1"} 2\nm notanumber', []],
    ['spaces between labels', 'm{a="1", b="2" ,c="3"} 5', [{ name: 'm', labels: { a: '1', b: '2', c: '3' }, value: 5 }]],
    ['-Inf as a value', 'm -Inf', [{ name: 'm', labels: {}, value: -Infinity }]],
    ['a series without a value', 'm\nm{a="1"}\nm{a="1"}  ', []],
    ['a label without its `=` or its quotes', 'm{a:"1"} 2\nm{a=\'1\'} 2', []],
    ['a label value left open', 'm{a="1} 2', []],
    ['a name that does not start the line', '.m12 5', []],
    ['a label name that starts with a digit', 'm{9="x"} 2', []],
    ['a label value without its opening quote', 'm{a=x"} 2', []],
  ])('%s', (_name, text, expected) => {
    expect(parseExposition(text)).toEqual(expected);
  });
});

function sample(at: number, status: Record<string, Record<string, number>>, latency: Record<string, Record<string, number>> = {}): MetricsSample {
  const lines: string[] = [];
  for (const [route, codes] of Object.entries(status)) for (const [code, n] of Object.entries(codes)) lines.push(`apisix_http_status{code="${code}",route="${route}",node="a"} ${n}`);
  for (const [route, buckets] of Object.entries(latency)) for (const [le, n] of Object.entries(buckets)) lines.push(`apisix_http_latency_bucket{type="request",route="${route}",le="${le}"} ${n}`);
  // Another type of latency, which is not the request's, and a route-less series: both ignored.
  lines.push('apisix_http_latency_bucket{type="upstream",route="a",le="1"} 1000', 'apisix_http_status{code="500",route=""} 1000');
  return sampleOf(parseExposition(lines.join('\n')), at);
}

describe('what changed between two samples', () => {
  it('counts requests and 5xx answers of the routes asked for', () => {
    const from = sample(0, { a: { '200': 10, '500': 1 }, b: { '200': 5 } });
    const to = sample(1, { a: { '200': 20, '500': 3, '503': 1 }, b: { '200': 50, '502': 5 } });
    expect(errorsBetween(from, to, new Set(['a']))).toEqual({ requests: 13, errors: 3 });
    expect(errorsBetween(from, to, null)).toEqual({ requests: 63, errors: 8 });
    // A route the sample before did not have: all of its requests are new.
    expect(errorsBetween(from, sample(1, { c: { '200': 4, '500': 1 } }), null)).toEqual({ requests: 5, errors: 1 });
  });

  it('counts an unchanged counter as no request', () => {
    expect(errorsBetween(sample(0, { a: { '200': 100, '500': 4 } }), sample(1, { a: { '200': 100, '500': 4 } }), null)).toEqual({ requests: 0, errors: 0 });
  });

  it('adds up the series of one route and code that differ in other labels', () => {
    // Series without a route, or with an empty one, count for none.
    const series = parseExposition(
      'apisix_http_status{code="500",route="a",node="x"} 3\napisix_http_status{code="500",route="a",node="y"} 4\napisix_http_status{route="a"} 2\napisix_http_status{code="500"} 50\napisix_http_status{code="500",route=""} 50',
    );
    const to = sampleOf(series, 1);
    expect(errorsBetween(sample(0, {}), to, null)).toEqual({ requests: 9, errors: 7 });
  });

  it('counts a counter that went down (a restart) from zero', () => {
    expect(errorsBetween(sample(0, { a: { '200': 100 } }), sample(1, { a: { '200': 7 } }), null)).toEqual({ requests: 7, errors: 0 });
  });

  it('finds the bucket of a quantile', () => {
    const from = sample(0, {}, { a: { '10': 0, '50': 0, '100': 0, '+Inf': 0 } });
    const to = sample(1, {}, { a: { '10': 80, '50': 94, '100': 100, '+Inf': 100 } });
    expect(latencyQuantile(from, to, null, 0.5)).toBe(10);
    expect(latencyQuantile(from, to, null, 0.95)).toBe(100);
    expect(latencyQuantile(from, from, null, 0.95)).toBeNull();
    expect(latencyQuantile(sample(0, {}), sample(1, {}), null, 0.95)).toBeNull();
  });

  it.each([
    // The window's counts: 10 → 0, 1000 → 100; the sample before does not count.
    ['only the requests of the window count', { '10': 100, '1000': 100, '+Inf': 100 }, { '10': 100, '1000': 200, '+Inf': 200 }, 1000],
    ['more of them fast: the first bucket', { '10': 0, '1000': 0, '+Inf': 0 }, { '10': 100, '1000': 110, '+Inf': 110 }, 10],
    ['a restart in between counts from zero', { '10': 500, '1000': 900, '+Inf': 900 }, { '10': 1, '1000': 10, '+Inf': 10 }, 1000],
  ])('%s', (_name, before, after, expected) => {
    expect(latencyQuantile(sample(0, {}, { a: before }), sample(1, {}, { a: after }), null, 0.5)).toBe(expected);
  });

  it.each([
    // cumulative counts of the window: 10 → 80, 50 → 95, 100 → 100
    ['a quantile that falls on a bucket bound is that bucket', 0.95, 50],
    ['the first bucket', 0.8, 10],
    ['the last', 1, 100],
  ])('%s', (_name, q, expected) => {
    const to = sample(1, {}, { a: { '10': 80, '50': 95, '100': 100, '+Inf': 100 } });
    expect(latencyQuantile(sample(0, {}), to, null, q)).toBe(expected);
  });

  it('adds the buckets of several routes, whatever order they come in', () => {
    // Route b has a bound route a lacks, listed after a's larger ones; a's series of two nodes add up.
    const to = sampleOf(
      parseExposition(
        [
          'apisix_http_latency_bucket{type="request",route="a",le="100",node="x"} 4',
          'apisix_http_latency_bucket{type="request",route="a",le="100",node="y"} 6',
          'apisix_http_latency_bucket{type="request",route="a",le="+Inf",node="x"} 4',
          'apisix_http_latency_bucket{type="request",route="a",le="+Inf",node="y"} 6',
          'apisix_http_latency_bucket{type="request",route="b",le="5"} 10',
          'apisix_http_latency_bucket{type="request",route="b",le="100"} 10',
          'apisix_http_latency_bucket{type="request",route="b",le="+Inf"} 10',
          'apisix_http_latency_bucket{type="request",route="b",le="bad"} 1000',
          'apisix_http_latency_bucket{type="request",route="b"} 1000',
          'apisix_http_latency_count{type="request",route="b",le="1"} 1000',
          'apisix_http_latency_bucket{type="upstream",route="b",le="1"} 1000',
        ].join('\n'),
      ),
      1,
    );
    expect(latencyQuantile(sample(0, {}), to, null, 0.5)).toBe(5);
    expect(latencyQuantile(sample(0, {}), to, null, 0.6)).toBe(100);
    expect(latencyQuantile(sample(0, {}), to, new Set(['a']), 0.5)).toBe(100);
  });
});

describe('judging a window', () => {
  const url = 'http://user:pw@gw.example:9091/apisix/prometheus/metrics?x=1';
  const quiet = sample(0, { a: { '200': 0 } });
  const cases: [string, Parameters<typeof readyMetricsCheck>[0], MetricsSample, [MetricsSample, MetricsSample] | null, { ok: boolean; reason: string | null }][] = [
    ['too few requests: not judged', { min_requests: 20 }, sample(1, { a: { '200': 5, '500': 5 } }), null, { ok: true, reason: '10 requests to 1 changed route in the window, fewer than 20: not judged' }],
    ['within the ratio', { max_5xx_ratio: 0.1 }, sample(1, { a: { '200': 95, '500': 5 } }), null, { ok: true, reason: null }],
    ['above the ratio', { max_5xx_ratio: 0.1 }, sample(1, { a: { '200': 80, '502': 20 } }), null, { ok: false, reason: '5xx ratio of 1 changed route 20.0% (20 of 100), above 10.0%' }],
    ['a rise over the window before', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 80, '500': 20 } }), [quiet, sample(1, { a: { '200': 99, '500': 1 } })], { ok: false, reason: '5xx ratio of 1 changed route rose from 1.0% to 20.0%, more than 5.0%' }],
    ['no rise', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 80, '500': 20 } }), [quiet, sample(1, { a: { '200': 80, '500': 20 } })], { ok: true, reason: null }],
    ['exactly `min_requests`: judged', { min_requests: 20 }, sample(1, { a: { '200': 10, '500': 10 } }), null, { ok: false, reason: '5xx ratio of 1 changed route 50.0% (10 of 20), above 5.0%' }],
    ['exactly the ratio: passes', { max_5xx_ratio: 0.1 }, sample(1, { a: { '200': 90, '500': 10 } }), null, { ok: true, reason: null }],
    ['a rise of exactly the increase: passes', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 95, '500': 5 } }), [quiet, sample(1, { a: { '200': 100 } })], { ok: true, reason: null }],
    ['a rise over a window before with too few requests: not compared', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 80, '500': 20 } }), [quiet, sample(1, { a: { '200': 19 } })], { ok: true, reason: null }],
    ['a rise over a window before with just `min_requests`', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 80, '500': 20 } }), [quiet, sample(1, { a: { '200': 20 } })], { ok: false, reason: '5xx ratio of 1 changed route rose from 0.0% to 20.0%, more than 5.0%' }],
    ['no `max_5xx_increase`: a rise is not judged', { max_5xx_ratio: 0.5 }, sample(1, { a: { '200': 80, '500': 20 } }), [quiet, sample(1, { a: { '200': 100 } })], { ok: true, reason: null }],
    ['no window before: no rise to judge', { max_5xx_ratio: 0.5, max_5xx_increase: 0.05 }, sample(1, { a: { '200': 80, '500': 20 } }), null, { ok: true, reason: null }],
    ['the default ratio, 5%', {}, sample(1, { a: { '200': 94, '500': 6 } }), null, { ok: false, reason: '5xx ratio of 1 changed route 6.0% (6 of 100), above 5.0%' }],
    ['the default `min_requests`, 20', {}, sample(1, { a: { '500': 19 } }), null, { ok: true, reason: '19 requests to 1 changed route in the window, fewer than 20: not judged' }],
  ];
  it.each(cases)('%s', (_name, spec, end, before, expected) => {
    const result = judgeMetrics(readyMetricsCheck(spec), url, before, [quiet, end], new Set(['a']));
    expect({ ok: result.ok, reason: result.reason }).toEqual(expected);
    // Never the credentials or query of the URL.
    expect(result.request).toBe('GET gw.example:9091/apisix/prometheus/metrics');
  });

  it('names the routes judged', () => {
    const to = sample(1, { a: { '200': 1 }, b: { '200': 1 } });
    expect(judgeMetrics(readyMetricsCheck({}), url, null, [quiet, to], new Set(['a', 'b'])).reason).toBe('2 requests to 2 changed routes in the window, fewer than 20: not judged');
    expect(judgeMetrics(readyMetricsCheck({}), url, null, [quiet, to], null).reason).toBe('2 requests to all routes in the window, fewer than 20: not judged');
  });

  it('takes the defaults of the settings', () => {
    expect(readyMetricsCheck({})).toEqual({ windowMs: 30_000, max5xxRatio: 0.05, max5xxIncrease: null, maxP95Ms: null, minRequests: 20, routes: 'changed' });
    expect(readyMetricsCheck({ window: 2, max_5xx_ratio: 0.2, max_5xx_increase: 0.01, max_p95_ms: 300, min_requests: 5, routes: 'all' })).toEqual({ windowMs: 2000, max5xxRatio: 0.2, max5xxIncrease: 0.01, maxP95Ms: 300, minRequests: 5, routes: 'all' });
  });

  it('describes a metrics URL it cannot read as such', () => {
    expect(judgeMetrics(readyMetricsCheck({}), 'not a url', null, [quiet, quiet], null).request).toBe('GET (metrics url)');
  });

  it.each([
    ['a p95 of exactly the budget passes', 1000, { ok: true, reason: null }],
    ['one above fails', 999, { ok: false, reason: 'p95 latency of all routes up to 1000 ms, above 999 ms' }],
  ] as const)('%s', (_name, max, expected) => {
    const from = sample(0, { a: { '200': 0 } }, { a: { '100': 0, '1000': 0, '+Inf': 0 } });
    const to = sample(1, { a: { '200': 100 } }, { a: { '100': 50, '1000': 100, '+Inf': 100 } });
    expect(judgeMetrics(readyMetricsCheck({ max_p95_ms: max }), 'http://gw/m', null, [from, to], null)).toMatchObject(expected);
  });

  it('a slow p95', () => {
    const from = sample(0, { a: { '200': 0 } }, { a: { '100': 0, '1000': 0, '+Inf': 0 } });
    const to = sample(1, { a: { '200': 100 } }, { a: { '100': 50, '1000': 100, '+Inf': 100 } });
    expect(judgeMetrics(readyMetricsCheck({ max_p95_ms: 500 }), 'http://gw/m', null, [from, to], null)).toMatchObject({ ok: false, reason: 'p95 latency of all routes up to 1000 ms, above 500 ms' });
  });
});

describe('reading a gateway\'s metrics', () => {
  it.each([
    ['a 200 gives the sample', 200, { ok: true }],
    ['any other status throws', 503, { ok: false, message: 'status 503' }],
  ] as const)('%s', async (_name, status, expected) => {
    const server = http.createServer((req, res) => {
      req.resume();
      res.writeHead(status);
      res.end('apisix_http_status{code="500",route="a"} 3\n');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/apisix/prometheus/metrics`;
      const read = await scrape(url, 7).then(
        (s) => ({ ok: true as const, at: s.at, status: [...(s.status.get('a') ?? [])] }),
        (error: Error) => ({ ok: false as const, message: error.message }),
      );
      expect(read).toEqual(expected.ok ? { ok: true, at: 7, status: [['500', 3]] } : expected);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });
});
