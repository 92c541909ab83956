// The benchmark (`npm run bench`, which builds first): the command line's start-up (bench/startup.js;
// `--startup-only` for nothing else), then synthetic config repositories of 1,000 and 10,000
// services (`--services N` for one size, `--runs R` for the runs per figure), and at 10,000 (or
// the size given) the import of a live gateway of that many services, each figure
// measured in fresh child processes (bench/task.js) and reported as the median of its runs, with
// the child's peak memory. Test gateways run in processes of their own (bench/gateway.js).
// Prints the tables (bench/report.js) and writes bench/results.json; with `--record` also
// docs/performance-results.json and the Latest results of docs/performance.md, which explains them.
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchCertificate, generateRepo } from './generate.js';
import { addTargets, commitOverlayChange, publishTemplateChange, workingCopy } from './scenario.js';
import { fmtMs, markdown, text, withSection } from './report.js';
import { benchStartup } from './startup.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const WORK = path.join(HERE, '.work');
const KEY_VARIABLE = 'TAGWAY_BENCH_ADMIN_KEY';

const args = parseArgs(process.argv.slice(2));
const sizes = args.services ? [Number(args.services)] : [1000, 10000];
const defaultRuns = (n) => (n >= 10000 ? 3 : 5);

const results = { machine: machine(), date: new Date().toISOString(), startup: null, runs: {}, sizes: {} };
const startupRuns = Number(args['startup-runs'] ?? 21);
log(`\n== start-up, ${startupRuns} runs per figure`);
results.startup = benchStartup({ bin: path.join(HERE, '..', 'bin', 'run.js'), work: WORK, runs: startupRuns, log });
writeResults();
for (const n of args['startup-only'] ? [] : sizes) {
  results.runs[n] = Number(args.runs ?? defaultRuns(n));
  results.sizes[n] = await benchSize(n, results.runs[n]);
  writeResults();
}
if (!args['startup-only']) {
  results.rollout = await benchRollout(Number(args.runs ?? 5));
  writeResults();
}
results.machine.loadAverageAtEnd = os.loadavg().map((l) => Math.round(l * 100) / 100);
writeResults();
process.stdout.write(`\n${text(results)}`);
if (args.record) record();

async function benchSize(n, runs) {
  log(`\n== ${n} services (${3 * n} routes), ${runs} runs per figure`);
  const base = generateRepo(path.join(WORK, `repo-${n}`), n);
  const dir = workingCopy(base, path.join(WORK, `run-${n}`));
  const admin = await startGateway('admin');
  const standalone = await startGateway('standalone');
  // The same Admin API with every request held 1 ms and 5 ms, as a gateway across a network.
  const slow = [await startGateway('admin', 1), await startGateway('admin', 5)];
  const env = { [KEY_VARIABLE]: admin.apiKey };
  addTargets(dir, 'staging', [
    { name: 'bench-admin', kind: 'apisix', url: admin.url, keyVariable: KEY_VARIABLE },
    { name: 'bench-standalone', kind: 'apisix-standalone', url: standalone.url, keyVariable: KEY_VARIABLE },
    ...slow.map((g) => ({ name: `bench-admin-${g.latency}ms`, kind: 'apisix', url: g.url, keyVariable: KEY_VARIABLE })),
  ]);
  const cache = path.join(dir, '.tagway');
  const dist = path.join(dir, 'dist');
  const figures = {};
  const measure = async (name, spec, { before, check } = {}) => {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      await before?.(r);
      const sample = runTask(typeof spec === 'function' ? spec(r) : spec);
      check?.(sample, r);
      samples.push(sample);
      const spliced = typeof sample.incremental === 'number' ? `, incremental (${sample.incremental} changed)` : '';
      log(`  ${name} #${r + 1}: ${fmtMs(sample.ms)}, ${fmtMiB(sample.maxRssKiB)}${sample.writes !== undefined && sample.writes !== null ? `, ${sample.writes} writes` : ''}${spliced}`);
    }
    figures[name] = summarize(samples);
    return figures[name];
  };
  const clearCache = () => fs.rmSync(cache, { recursive: true, force: true });
  const mustBeOk = (s) => {
    if (!s.ok) throw new Error(`benchmark task failed: ${JSON.stringify(s)}`);
  };

  // Each figure is compared with a floor over the files it reads: validate reads every group,
  // compile --group staging the templates and staging's folder.
  await measure('floor', { task: 'floor', dir });
  await measure('floor staging', { task: 'floor', dir, group: 'staging' });
  await measure('validate (cold)', { task: 'validate', dir }, { before: clearCache, check: mustBeOk });
  await measure('validate (warm, no change)', { task: 'validate', dir }, { check: mustBeOk });
  await measure('compile staging (cold)', { task: 'compile', dir, group: 'staging' }, {
    before: () => {
      clearCache();
      fs.rmSync(dist, { recursive: true, force: true });
    },
    check: mustBeOk,
  });
  // The same, as a user waits for it: the command line's whole process, start-up included.
  {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      clearCache();
      fs.rmSync(dist, { recursive: true, force: true });
      const started = process.hrtime.bigint();
      execFileSync(process.execPath, [path.join(HERE, '..', 'bin', 'run.js'), 'compile', '--group', 'staging'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      samples.push({ ms, processMs: ms, maxRssKiB: null });
      log(`  compile staging (cold, whole process) #${r + 1}: ${fmtMs(ms)}`);
    }
    figures['compile staging (cold, whole process)'] = summarize(samples);
  }
  // Findings cost their positions only: the same compile of a repository whose every template
  // has a warning (10,000 warnings at 10,000 services), against the floor of its own files.
  {
    const noisy = generateRepo(path.join(WORK, `repo-${n}-warnings`), n, { warnings: true });
    await measure('floor staging, a warning per service', { task: 'floor', dir: noisy, group: 'staging' });
    await measure('compile staging (cold, a warning per service)', { task: 'compile', dir: noisy, group: 'staging' }, {
      before: () => {
        fs.rmSync(path.join(noisy, '.tagway'), { recursive: true, force: true });
        fs.rmSync(path.join(noisy, 'dist'), { recursive: true, force: true });
      },
      check: (s) => {
        mustBeOk(s);
        if (s.diagnostics !== n) throw new Error(`expected ${n} warnings, the compile found ${s.diagnostics}`);
      },
    });
  }
  // A warm compile is spliced from the previous one (src/incremental/splice.ts): one that is not
  // means the shortcut stopped applying, which the figures alone would hide.
  const mustSplice = (s) => {
    mustBeOk(s);
    if (typeof s.incremental !== 'number') throw new Error(`the warm compile was not spliced from the previous one: ${JSON.stringify(s)}`);
  };
  await measure('compile staging (warm, no change)', { task: 'compile', dir, group: 'staging' }, { check: mustSplice });
  let lastDigest = runTask({ task: 'compile', dir, group: 'staging' }).digest;
  await measure('compile staging (warm, one template changed + tagged)', { task: 'compile', dir, group: 'staging' }, {
    before: (r) => publishTemplateChange(dir, r, 1),
    check: (s) => {
      mustSplice(s);
      if (s.digest === lastDigest) throw new Error('the template change did not reach the snapshot');
      lastDigest = s.digest;
    },
  });

  commitOverlayChange(dir, 'staging', Math.floor(n / 2), 9);
  const diffSpec = { task: 'diff', dir, from: 'HEAD~1', to: 'HEAD' };
  const diffCheck = (s) => {
    mustBeOk(s);
    const changed = s.groups.filter((g) => g.status !== 'unchanged').map((g) => g.group);
    if (changed.join() !== 'staging') throw new Error(`diff should change staging only: ${JSON.stringify(s.groups)}`);
  };
  await measure('diff HEAD~1 HEAD, one overlay changed (cold)', diffSpec, { before: clearCache, check: diffCheck });
  await measure('diff HEAD~1 HEAD, one overlay changed (warm)', diffSpec, { check: diffCheck });
  // What an operator reads first: every service's versions, template state and pins in each group.
  await measure('status (every service and group)', { task: 'status', dir }, {
    check: (s) => {
      mustBeOk(s);
      if (s.services !== n) throw new Error(`status should list ${n} services: ${JSON.stringify(s)}`);
    },
  });

  // Sync: the compiled snapshot to an empty Admin API, then a new version of one service that
  // changes one route, to a gateway holding the previous one: published, tagged and compiled as an
  // operator would, so the figure counts what a real version writes (the route, and the APISIX
  // service that carries the version label; docs/compile.md).
  mustBeOk(runTask({ task: 'compile', dir, group: 'staging' }));
  const full = path.join(WORK, `snapshot-${n}-full.json`);
  fs.copyFileSync(path.join(dist, 'staging', 'snapshot.json'), full);
  const objects = countObjects(full);
  const changed = [7, 8].map((revision) => {
    publishTemplateChange(dir, Math.floor(n / 2), revision);
    const s = runTask({ task: 'compile', dir, group: 'staging' });
    mustBeOk(s);
    const file = path.join(WORK, `snapshot-${n}-version-${revision}.json`);
    fs.copyFileSync(path.join(dist, 'staging', 'snapshot.json'), file);
    return file;
  });
  const syncSpec = (target, snapshot) => ({ task: 'sync', dir, group: 'staging', target, snapshot, env });
  const noWrites = (s) => {
    mustBeOk(s);
    if (s.writes !== 0 || s.status !== 'in-sync') throw new Error(`a sync of what the gateway holds wrote: ${JSON.stringify(s)}`);
  };
  const expectWrites = (gateway, expected) => {
    let before = 0;
    return {
      before: async () => {
        before = await gateway.writes();
      },
      check: async (s) => {
        mustBeOk(s);
        const written = (await gateway.writes()) - before;
        if (s.writes !== expected || written !== expected) throw new Error(`expected ${expected} writes, the engine reported ${s.writes} and the gateway saw ${written}`);
      },
    };
  };
  const first = await measureSync('sync first, Admin API (all objects)', admin, () => syncSpec('bench-admin', full), objects);
  first.objects = objects;
  first.objectsPerSecond = Math.round(objects / (first.median / 1000));
  figures['sync first, Admin API (all objects)'] = first;
  await measureAlternating('sync new version changing one route, Admin API', admin, (r) => syncSpec('bench-admin', changed[r % 2]), 2);
  // A sync that changes nothing, against the minimal client's read of the same gateway.
  const held = changed[(runs - 1) % 2];
  await measure('sync no change, Admin API', syncSpec('bench-admin', held), { check: (s) => noWrites(s) });
  await measure('read floor, Admin API', { task: 'read-floor', url: admin.url, apiKey: admin.apiKey });
  for (const g of slow) {
    const suffix = `Admin API, ${g.latency} ms latency`;
    const firstSlow = await measureSync(`sync first, ${suffix}`, g, () => syncSpec(`bench-admin-${g.latency}ms`, full), objects);
    firstSlow.objectsPerSecond = Math.round(objects / (firstSlow.median / 1000));
    await measure(`sync no change, ${suffix}`, syncSpec(`bench-admin-${g.latency}ms`, full), { check: (s) => noWrites(s) });
    await measure(`read floor, ${suffix}`, { task: 'read-floor', url: g.url, apiKey: g.apiKey });
  }
  await measureSync('sync first, standalone', standalone, () => syncSpec('bench-standalone', full), 1);
  await measureAlternating('sync new version changing one route, standalone', standalone, (r) => syncSpec('bench-standalone', changed[r % 2]), 1);

  // The whole gateway: the same services, and in staging also a consumer per service in
  // consumer groups (bench/generate.js `groupObjectFiles`) and an SSL certificate per 10 services,
  // each written in its file (so compile reads and checks every one: dates, names, SNIs, the
  // hosts they cover) with its key by reference (resolved and checked against it by sync),
  // compiled and synced first.
  {
    const certificates = { count: Math.floor(n / 10), ...(await benchCertificate()) };
    const whole = workingCopy(generateRepo(path.join(WORK, `repo-${n}-whole`), n, { whole: true, certificates }), path.join(WORK, `run-${n}-whole`));
    addTargets(whole, 'staging', [{ name: 'bench-admin', kind: 'apisix', url: admin.url, keyVariable: KEY_VARIABLE }]);
    await measure('floor staging, whole gateway', { task: 'floor', dir: whole, group: 'staging' });
    await measure('compile staging (cold, whole gateway)', { task: 'compile', dir: whole, group: 'staging' }, {
      before: () => {
        fs.rmSync(path.join(whole, '.tagway'), { recursive: true, force: true });
        fs.rmSync(path.join(whole, 'dist'), { recursive: true, force: true });
      },
      check: mustBeOk,
    });
    const wholeSnapshot = path.join(WORK, `snapshot-${n}-whole.json`);
    fs.copyFileSync(path.join(whole, 'dist', 'staging', 'snapshot.json'), wholeSnapshot);
    const wholeObjects = countObjects(wholeSnapshot);
    const wholeFirst = await measureSync('sync first, Admin API (whole gateway)', admin, () => ({ task: 'sync', dir: whole, group: 'staging', target: 'bench-admin', snapshot: wholeSnapshot, env }), wholeObjects);
    wholeFirst.objects = wholeObjects;
    wholeFirst.objectsPerSecond = Math.round(wholeObjects / (wholeFirst.median / 1000));
    fs.rmSync(whole, { recursive: true, force: true });
  }

  // Import: a live gateway as its users made it by hand, of n services with objects of every kind
  // (test/support/synthetic-gateway.ts), into a new repository (a fresh folder each run); then
  // the draft compile of what it wrote, against the floor of its own files.
  if (n === 10000 || args.services !== undefined) {
    const source = await startGateway('admin');
    const objects = await source.seedSynthetic(n);
    // Outside any git repository (bench/.work is inside this one): the import makes a new one.
    const into = (r) => path.join(os.tmpdir(), `tagway-bench-import-${n}-${r}`);
    const importName = 'import (synthetic gateway, all objects)';
    const figure = await measure(importName, (r) => ({ task: 'import', url: source.url, apiKey: source.apiKey, dir: into(r), group: 'staging' }), {
      before: (r) => {
        fs.rmSync(into(r), { recursive: true, force: true });
        // The disk's writes of what came before are finished before the clock starts.
        execFileSync('sync');
      },
      check: (s) => {
        mustBeOk(s);
        if (s.services < n || s.files <= 2 * n) throw new Error(`the import wrote too little: ${JSON.stringify(s)}`);
      },
    });
    source.stop();
    figure.objects = objects;
    figure.objectsPerSecond = Math.round(objects / (figure.median / 1000));
    const imported = into(runs - 1);
    mustBeOk(runTask({ task: 'commit-import', dir: imported }));
    await measure('floor imported staging', { task: 'floor', dir: imported, group: 'staging' });
    await measure('compile imported staging (cold, draft)', { task: 'compile', dir: imported, group: 'staging', draft: true }, {
      before: () => {
        fs.rmSync(path.join(imported, '.tagway'), { recursive: true, force: true });
        fs.rmSync(path.join(imported, 'dist'), { recursive: true, force: true });
      },
      check: (s) => {
        mustBeOk(s);
        if (s.routes === 0) throw new Error(`the imported repository compiled to no routes: ${JSON.stringify(s)}`);
      },
    });
    for (let r = 0; r < runs; r++) fs.rmSync(into(r), { recursive: true, force: true });
  }

  admin.stop();
  standalone.stop();
  for (const g of slow) g.stop();
  fs.rmSync(dir, { recursive: true, force: true });
  return figures;

  async function measureSync(name, gateway, spec, expected) {
    const samples = [];
    for (let r = 0; r < runs; r++) {
      await gateway.reset();
      const sample = runTask(spec(r));
      mustBeOk(sample);
      const written = await gateway.writes();
      if (sample.writes !== expected || written !== expected) throw new Error(`${name}: expected ${expected} writes, the engine reported ${sample.writes} and the gateway saw ${written}`);
      samples.push(sample);
      log(`  ${name} #${r + 1}: ${fmtMs(sample.ms)}, ${fmtMiB(sample.maxRssKiB)}, ${sample.writes} writes`);
    }
    return (figures[name] = summarize(samples));
  }

  async function measureAlternating(name, gateway, spec, expected) {
    const guard = expectWrites(gateway, expected);
    const samples = [];
    for (let r = 0; r < runs; r++) {
      await guard.before();
      const sample = runTask(spec(r));
      await guard.check(sample);
      samples.push(sample);
      log(`  ${name} #${r + 1}: ${fmtMs(sample.ms)}, ${fmtMiB(sample.maxRssKiB)}, ${sample.writes} write(s)`);
    }
    return (figures[name] = summarize(samples));
  }
}

/**
 * Health-checked rollouts: 50 gateways (Admin API test servers, each behind a data-plane
 * stand-in) in batches of 10, a snapshot of 10 services whose one route changes each run, synced
 * without checks and with one probe per gateway (no wait between a probe's requests), alternated.
 * The difference is what checks cost beyond their configured waits.
 */
async function benchRollout(runs) {
  const gateways = 50;
  log(`\n== rollout to ${gateways} gateways in batches of 10, ${runs} runs per figure`);
  const fleet = await startGateway('fleet', gateways);
  const figures = {};
  const names = ['rollout 50 gateways, no checks', 'rollout 50 gateways, a probe each'];
  const samples = [[], []];
  // The first sync writes every object; the measured ones, a route and a service per gateway.
  const first = runTask({ task: 'rollout', fleet: fleet.fleet, upstream: fleet.upstream, apiKey: fleet.apiKey, checks: false, revision: 2 * runs });
  if (!first.ok) throw new Error(`rollout: ${JSON.stringify(first)}`);
  for (let r = 0; r < 2 * runs; r++) {
    const checks = r % 2;
    const sample = runTask({ task: 'rollout', fleet: fleet.fleet, upstream: fleet.upstream, apiKey: fleet.apiKey, checks: checks === 1, revision: r });
    if (!sample.ok || sample.writes !== gateways * 20) throw new Error(`rollout: ${JSON.stringify(sample)}`);
    if (checks === 1 && sample.probes !== gateways) throw new Error(`rollout: expected ${gateways} passing probes, got ${JSON.stringify(sample)}`);
    samples[checks].push(sample);
    log(`  ${names[checks]} #${Math.floor(r / 2) + 1}: ${fmtMs(sample.ms)}, ${sample.writes} writes${checks ? `, ${sample.probes} probes` : ''}`);
  }
  names.forEach((name, i) => (figures[name] = summarize(samples[i])));
  fleet.stop();
  return figures;
}

function runTask(spec) {
  const started = process.hrtime.bigint();
  const out = execFileSync(process.execPath, [path.join(HERE, 'task.js'), JSON.stringify(spec)], { maxBuffer: 1 << 26, stdio: ['ignore', 'pipe', 'inherit'] });
  const processMs = Number(process.hrtime.bigint() - started) / 1e6;
  const lines = out.toString('utf8').trim().split('\n');
  return { ...JSON.parse(lines[lines.length - 1]), processMs };
}

function startGateway(kind, latency = 0) {
  return new Promise((resolve, reject) => {
    const child = fork(path.join(HERE, 'gateway.js'), [kind, String(latency)], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const ask = (message, field) =>
      new Promise((done) => {
        child.once('message', (answer) => done(answer[field]));
        child.send(message);
      });
    child.once('error', reject);
    child.once('message', ({ url, apiKey, fleet, upstream }) =>
      resolve({
        url,
        apiKey,
        fleet,
        upstream,
        latency,
        writes: () => ask({ type: 'writes' }, 'writes'),
        reset: () => ask({ type: 'reset' }, 'reset'),
        seedSynthetic: (services) => ask({ type: 'seed-synthetic', services }, 'objects'),
        stop: () => child.disconnect(),
      }),
    );
  });
}

function countObjects(file) {
  const { apisix } = JSON.parse(fs.readFileSync(file, 'utf8'));
  return Object.values(apisix).reduce((sum, list) => sum + list.length, 0);
}

function summarize(samples) {
  const median = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  };
  const rss = samples.map((s) => s.maxRssKiB ?? 0);
  return {
    median: Math.round(median(samples.map((s) => s.ms))),
    runs: samples.map((s) => Math.round(s.ms)),
    processMedian: Math.round(median(samples.map((s) => s.processMs))),
    maxRssMiB: Math.round(median(rss) / 1024),
    maxRssMiBWorst: Math.round(Math.max(...rss) / 1024),
    cpuMedian: Math.round(median(samples.map((s) => s.cpuMs ?? 0))),
    ...(samples[0]?.writes !== undefined ? { writes: samples.map((s) => s.writes) } : {}),
  };
}

function machine() {
  const cpus = os.cpus();
  return {
    cores: os.availableParallelism?.() ?? cpus.length,
    cpu: cpus[0]?.model ?? 'unknown',
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    platform: `${os.platform()} ${os.release()}`,
    git: execFileSync('git', ['--version']).toString().trim(),
    loadAverageAtStart: os.loadavg().map((l) => Math.round(l * 100) / 100),
  };
}

/**
 * `--record`: the run's results become docs/performance-results.json, and the "Latest results"
 * section of docs/performance.md is rewritten from them (bench/report.js), so the document shows
 * what the benchmark measured and nothing else.
 */
function record() {
  const doc = path.join(HERE, '..', 'docs', 'performance.md');
  fs.writeFileSync(path.join(HERE, '..', 'docs', 'performance-results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(doc, withSection(fs.readFileSync(doc, 'utf8'), markdown(results)));
  log('recorded in docs/performance-results.json and the Latest results of docs/performance.md');
}

function writeResults() {
  fs.writeFileSync(path.join(HERE, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
}

function parseArgs(list) {
  const out = {};
  for (let i = 0; i < list.length; i++) {
    const m = /^--([a-z-]+)(?:=(.*))?$/.exec(list[i]);
    if (!m) throw new Error(`unknown argument ${list[i]} (use --services N, --runs R, --startup-runs R, --startup-only, --record)`);
    out[m[1]] = m[1] === 'startup-only' || m[1] === 'record' ? true : (m[2] ?? list[++i]);
  }
  return out;
}

function log(line) {
  process.stderr.write(`${line}\n`);
}

function fmtMiB(kib) {
  return `${Math.round(kib / 1024)} MiB`;
}

