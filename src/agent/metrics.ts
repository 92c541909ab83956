/**
 * A minimal metrics registry rendered in the Prometheus text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/): `# HELP` and `# TYPE` per
 * family, one line per series, label values escaped (`\\`, `"`, newline). Families render in
 * registration order, series sorted by their rendered labels, so the output is stable.
 */
export type Labels = Readonly<Record<string, string>>;

export const EXPOSITION_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

interface Series {
  readonly labels: Labels;
  value: number;
}

function labelKey(labels: Labels): string {
  return Object.keys(labels)
    .sort()
    .map((k) => `${k}=${JSON.stringify(labels[k])}`)
    .join(',');
}

function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

function formatLabels(labels: Labels): string {
  const keys = Object.keys(labels);
  if (keys.length === 0) return '';
  return `{${keys.map((k) => `${k}="${escapeLabel(labels[k] ?? '')}"`).join(',')}}`;
}

function formatValue(value: number): string {
  if (Number.isNaN(value)) return 'NaN';
  if (value === Infinity) return '+Inf';
  if (value === -Infinity) return '-Inf';
  return String(value);
}

abstract class Family {
  protected readonly series = new Map<string, Series>();
  constructor(
    readonly name: string,
    readonly help: string,
    readonly type: 'counter' | 'gauge' | 'histogram',
  ) {}

  protected entry(labels: Labels): Series {
    const key = labelKey(labels);
    let found = this.series.get(key);
    if (found === undefined) {
      found = { labels: { ...labels }, value: 0 };
      this.series.set(key, found);
    }
    return found;
  }

  /** Current value of one series; undefined when it does not exist. */
  value(labels: Labels = {}): number | undefined {
    return this.series.get(labelKey(labels))?.value;
  }

  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')}`, `# TYPE ${this.name} ${this.type}`];
    const rendered = [...this.series.values()].map((s) => ({ labels: formatLabels(s.labels), value: formatValue(s.value) }));
    rendered.sort((a, b) => (a.labels < b.labels ? -1 : a.labels > b.labels ? 1 : 0));
    for (const s of rendered) lines.push(`${this.name}${s.labels} ${s.value}`);
    return lines;
  }
}

/** Only ever goes up (restarts from 0 with the process, as Prometheus expects). */
export class Counter extends Family {
  constructor(name: string, help: string) {
    super(name, help, 'counter');
  }
  inc(labels: Labels = {}, by = 1): void {
    this.entry(labels).value += by;
  }
  /** Makes the series exist at 0, so a rate over it is defined before the first increment. */
  touch(labels: Labels = {}): void {
    this.entry(labels);
  }
}

export class Gauge extends Family {
  constructor(name: string, help: string) {
    super(name, help, 'gauge');
  }
  set(labels: Labels, value: number): void {
    this.entry(labels).value = value;
  }
  remove(labels: Labels): void {
    this.series.delete(labelKey(labels));
  }
}

/**
 * An info metric: value 1, the information in labels. `set` replaces the series that has the
 * same `identity` labels, so a target that moves to another digest keeps one series.
 */
export class Info extends Family {
  constructor(
    name: string,
    help: string,
    private readonly identity: readonly string[],
  ) {
    super(name, help, 'gauge');
  }
  set(labels: Labels): void {
    for (const [key, s] of this.series) {
      if (this.identity.every((k) => s.labels[k] === labels[k])) this.series.delete(key);
    }
    this.entry(labels).value = 1;
  }
  /** Drops the series with these identity labels. */
  remove(identity: Labels): void {
    for (const [key, s] of this.series) {
      if (this.identity.every((k) => s.labels[k] === identity[k])) this.series.delete(key);
    }
  }
  /** The labels of the series with these identity labels. */
  get(identity: Labels): Labels | undefined {
    for (const s of this.series.values()) if (this.identity.every((k) => s.labels[k] === identity[k])) return s.labels;
    return undefined;
  }
}

/** Cumulative buckets (`le`), `_sum` and `_count`, no labels. */
export class Histogram {
  readonly type = 'histogram';
  private readonly counts: number[];
  private sum = 0;
  private count = 0;
  constructor(
    readonly name: string,
    readonly help: string,
    private readonly buckets: readonly number[],
  ) {
    this.counts = buckets.map(() => 0);
  }
  observe(value: number): void {
    this.buckets.forEach((le, i) => {
      if (value <= le) this.counts[i] = (this.counts[i] ?? 0) + 1;
    });
    this.sum += value;
    this.count += 1;
  }
  get observations(): number {
    return this.count;
  }
  render(): string[] {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} histogram`];
    this.buckets.forEach((le, i) => lines.push(`${this.name}_bucket{le="${formatValue(le)}"} ${this.counts[i] ?? 0}`));
    lines.push(`${this.name}_bucket{le="+Inf"} ${this.count}`, `${this.name}_sum ${formatValue(this.sum)}`, `${this.name}_count ${this.count}`);
    return lines;
  }
}

export class Registry {
  private readonly families: { render(): string[] }[] = [];
  private readonly names = new Set<string>();

  private add<T extends { readonly name: string; render(): string[] }>(family: T): T {
    if (this.names.has(family.name)) throw new Error(`metric ${family.name} registered twice`);
    this.names.add(family.name);
    this.families.push(family);
    return family;
  }
  counter(name: string, help: string): Counter {
    return this.add(new Counter(name, help));
  }
  gauge(name: string, help: string): Gauge {
    return this.add(new Gauge(name, help));
  }
  info(name: string, help: string, identity: readonly string[]): Info {
    return this.add(new Info(name, help, identity));
  }
  histogram(name: string, help: string, buckets: readonly number[]): Histogram {
    return this.add(new Histogram(name, help, buckets));
  }
  /** The exposition text, ending with a newline. */
  render(): string {
    return `${this.families.flatMap((f) => f.render()).join('\n')}\n`;
  }
}
