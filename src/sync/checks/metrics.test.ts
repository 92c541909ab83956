import { describe, expect, it } from 'vitest';
import { errorsBetween, judgeMetrics, latencyQuantile, parseExposition, readyMetricsCheck, sampleOf, type MetricsSample } from './metrics.js';

describe('reading a text exposition', () => {
  it.each([
    ['a plain series', 'up 1', [{ name: 'up', labels: {}, value: 1 }]],
    ['labels, and a timestamp after the value', 'apisix_http_status{code="200",route="r1"} 12 1700000000000', [{ name: 'apisix_http_status', labels: { code: '200', route: 'r1' }, value: 12 }]],
    ['escapes in label values', 'm{a="q\\"x",b="back\\\\slash",c="line\\nbreak"} 2', [{ name: 'm', labels: { a: 'q"x', b: 'back\\slash', c: 'line\nbreak' }, value: 2 }]],
    ['+Inf as a label and a value', 'h_bucket{le="+Inf"} +Inf', [{ name: 'h_bucket', labels: { le: '+Inf' }, value: Infinity }]],
    ['comments and blank lines', '# HELP m help\n# TYPE m counter\n\nm 3', [{ name: 'm', labels: {}, value: 3 }]],
    ['a trailing comma in labels', 'm{a="1",} 4', [{ name: 'm', labels: { a: '1' }, value: 4 }]],
    ['lines that are not series', 'm{a=1} 2\nm{a="1" 2\n{a="1"} 2\nm notanumber', []],
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
  ];
  it.each(cases)('%s', (_name, spec, end, before, expected) => {
    const result = judgeMetrics(readyMetricsCheck(spec), url, before, [quiet, end], new Set(['a']));
    expect({ ok: result.ok, reason: result.reason }).toEqual(expected);
    // Never the credentials or query of the URL.
    expect(result.request).toBe('GET gw.example:9091/apisix/prometheus/metrics');
  });

  it('a slow p95', () => {
    const from = sample(0, { a: { '200': 0 } }, { a: { '100': 0, '1000': 0, '+Inf': 0 } });
    const to = sample(1, { a: { '200': 100 } }, { a: { '100': 50, '1000': 100, '+Inf': 100 } });
    expect(judgeMetrics(readyMetricsCheck({ max_p95_ms: 500 }), 'http://gw/m', null, [from, to], null)).toMatchObject({ ok: false, reason: 'p95 latency of all routes up to 1000 ms, above 500 ms' });
  });
});
