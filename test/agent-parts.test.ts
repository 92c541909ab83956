/**
 * The agent's small pure parts: durations, listen addresses, the backoff schedule, the metrics
 * exposition and the JSON-lines logger.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, parseDuration } from '../src/core/duration.js';
import { createLogger } from '../src/agent/log.js';
import { Registry } from '../src/agent/metrics.js';
import { parseListen } from '../src/agent/server.js';

describe('parseDuration', () => {
  it.each([
    ['30s', 30_000],
    ['5m', 300_000],
    ['1h', 3_600_000],
    ['250ms', 250],
    ['1m30s', 90_000],
    ['1.5h', 5_400_000],
    ['45', 45_000],
    [' 10s ', 10_000],
  ])('%s is %i ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', 's', '-5s', '5 s', '5d', '5sm', 'soon', '1m-30s'])('refuses %j', (text) => {
    expect(parseDuration(text)).toBeNull();
  });

  it('formats milliseconds back', () => {
    expect([500, 30_000, 90_000, 3_600_000, 3_661_000].map(formatDuration)).toEqual(['500ms', '30s', '1m30s', '1h', '1h1m1s']);
  });
});

describe('parseListen', () => {
  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['0.0.0.0:9464', { host: '0.0.0.0', port: 9464 }],
    [':9464', { host: '0.0.0.0', port: 9464 }],
    ['9464', { host: '127.0.0.1', port: 9464 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:0', { host: 'localhost', port: 0 }],
  ])('%s', (text, address) => {
    expect(parseListen(text)).toEqual(address);
  });

  it.each(['localhost', '127.0.0.1:99999', '::1:9464', 'host:port', ''])('refuses %j', (text) => {
    expect(parseListen(text)).toBeNull();
  });
});

describe('Registry (Prometheus text format 0.0.4)', () => {
  it('renders HELP, TYPE and one line per series, sorted by labels, with escaped label values', () => {
    const registry = new Registry();
    const failures = registry.counter('demo_failures_total', 'Failures.');
    failures.inc({ target: 'b' });
    failures.inc({ target: 'a' }, 2);
    failures.touch({ target: 'c' });
    registry.gauge('demo_value', 'A value.\nSecond line.').set({ name: 'quote " back \\ newline \n' }, 1.5);
    expect(registry.render()).toBe(
      [
        '# HELP demo_failures_total Failures.',
        '# TYPE demo_failures_total counter',
        'demo_failures_total{target="a"} 2',
        'demo_failures_total{target="b"} 1',
        'demo_failures_total{target="c"} 0',
        '# HELP demo_value A value.\\nSecond line.',
        '# TYPE demo_value gauge',
        'demo_value{name="quote \\" back \\\\ newline \\n"} 1.5',
        '',
      ].join('\n'),
    );
  });

  it('an info metric keeps one series per identity', () => {
    const registry = new Registry();
    const info = registry.info('demo_info', 'Info.', ['target']);
    info.set({ target: 't1', digest: 'sha256:aaa' });
    info.set({ target: 't2', digest: 'sha256:aaa' });
    info.set({ target: 't1', digest: 'sha256:bbb' });
    expect(registry.render()).toContain('demo_info{target="t1",digest="sha256:bbb"} 1\ndemo_info{target="t2",digest="sha256:aaa"} 1\n');
    expect(registry.render()).not.toContain('sha256:aaa"} 1\ndemo_info{target="t1"');
  });

  it('a histogram has cumulative buckets, +Inf, _sum and _count', () => {
    const registry = new Registry();
    const histogram = registry.histogram('demo_seconds', 'Durations.', [0.1, 1]);
    for (const v of [0.05, 0.5, 2]) histogram.observe(v);
    expect(registry.render()).toContain(
      ['demo_seconds_bucket{le="0.1"} 1', 'demo_seconds_bucket{le="1"} 2', 'demo_seconds_bucket{le="+Inf"} 3', 'demo_seconds_sum 2.55', 'demo_seconds_count 3'].join('\n'),
    );
  });

  it('refuses a name registered twice', () => {
    const registry = new Registry();
    registry.counter('demo_total', 'x');
    expect(() => registry.gauge('demo_total', 'y')).toThrow('registered twice');
  });
});

describe('createLogger', () => {
  it('writes one JSON object per line: time, level, msg, then the fields that are set', () => {
    const lines: string[] = [];
    const logger = createLogger({ write: (line) => lines.push(line), clock: { now: () => Date.UTC(2025, 0, 2, 3, 4, 5) }, level: 'info' });
    logger.debug('dropped');
    logger.info('kept', { group: 'staging', target: undefined, writes: 3, msg: 'cannot replace msg' });
    logger.error('multi\nline');
    expect(lines).toEqual([
      '{"time":"2025-01-02T03:04:05.000Z","level":"info","msg":"kept","group":"staging","writes":3}\n',
      '{"time":"2025-01-02T03:04:05.000Z","level":"error","msg":"multi\\nline"}\n',
    ]);
  });
});
