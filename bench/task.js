// One measured task of the benchmark, run by bench/run.js in a fresh child process so that its
// peak memory is its own: `node bench/task.js '<json>'`. Prints one JSON line on stdout:
// `{ ms, maxRssKiB, ...task-specific facts }`. `ms` covers the library call only (module loading
// and process start-up are left out); `maxRssKiB` is the process's peak resident set.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';
import { CORE_SCHEMA, load } from 'js-yaml-4';

const spec = JSON.parse(process.argv[2] ?? '{}');
const tagway = await import(new URL('../dist/index.js', import.meta.url).href);

const tasks = {
  /**
   * The floor: what any implementation pays to read and parse the same files on one core. The
   * blobs of every YAML file under the config folders (as `compile` reads them) come from one
   * `git cat-file --batch`; each is parsed with js-yaml 4 (the fastest; core schema, no positions).
   */
  async floor({ dir, group }) {
    const start = performance.now();
    // With a group: the files `compile --group` reads (the templates, that group's folder and the
    // repository settings); without one, every group's, as `validate` reads them.
    const folders = group === undefined ? ['gateway-groups'] : [`gateway-groups/${group}`];
    const listing = await git(dir, ['ls-files', '-s', '-z', '--', 'services', ...folders, 'tagway.yaml']);
    const oids = [];
    for (const record of listing.toString('utf8').split('\0')) {
      const tab = record.indexOf('\t');
      if (tab < 0 || !/\.ya?ml$/.test(record.slice(tab + 1))) continue;
      oids.push(record.split(' ')[1]);
    }
    const out = await git(dir, ['cat-file', '--batch'], `${oids.join('\n')}\n`);
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let at = 0;
    let bytes = 0;
    for (let i = 0; i < oids.length; i++) {
      const eol = out.indexOf(0x0a, at);
      const size = Number(out.toString('latin1', at, eol).split(' ')[2]);
      load(decoder.decode(out.subarray(eol + 1, eol + 1 + size)), { schema: CORE_SCHEMA });
      bytes += size;
      at = eol + 2 + size;
    }
    return { ms: performance.now() - start, files: oids.length, bytes };
  },

  /**
   * The floor of a sync that changes nothing: a minimal client (undici, keep-alive) reading every
   * page of every kind a sync reads from the same gateway, as a sync does (the first page, then
   * the rest four at a time), each page parsed as JSON.
   */
  async 'read-floor'({ url, apiKey }) {
    const { KINDS, REFERRER_KINDS } = await import(new URL('../dist/apisix/kinds/index.js', import.meta.url).href);
    const { Pool } = await import('undici');
    const pool = new Pool(url, { connections: 16 });
    const start = performance.now();
    let objects = 0;
    let pages = 0;
    const page = async (list, n) => {
      const res = await pool.request({ method: 'GET', path: `/apisix/admin/${list}?page=${n}&page_size=500`, headers: { 'x-api-key': apiKey } });
      const body = await res.body.json();
      pages++;
      const items = res.statusCode === 200 && Array.isArray(body.list) ? body.list : [];
      objects += items.length;
      return typeof body.total === 'number' ? body.total : items.length;
    };
    const lists = [...new Set([...KINDS, ...REFERRER_KINDS].map((k) => k.admin.list))];
    await Promise.all(
      lists.map(async (list) => {
        const total = await page(list, 1);
        const rest = Array.from({ length: Math.max(0, Math.ceil(total / 500) - 1) }, (_, i) => i + 2);
        const worker = async () => {
          while (rest.length > 0) await page(list, rest.shift());
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
      }),
    );
    const ms = performance.now() - start;
    await pool.close();
    return { ms, ok: true, objects, pages };
  },

  /**
   * A rollout of a 10-service snapshot to a fleet of test gateways (bench/gateway.js `fleet`) in
   * batches of 10: route `list` of every service gets `priority: revision`, so each run writes
   * one route and the service of each (its version label) on every gateway. With `checks`, one
   * probe per gateway through its data plane, no wait between requests.
   */
  async rollout({ fleet, upstream, apiKey, checks, revision }) {
    const labels = (i) => ({ 'managed-by': 'tagway', 'tagway.group': 'bench', 'tagway.service': `svc-${i}` });
    const ids = Array.from({ length: 10 }, (_, i) => i);
    const { emptyConfig } = await import(new URL('../dist/apisix/kinds/index.js', import.meta.url).href);
    const apisix = {
      ...emptyConfig(),
      upstreams: ids.map((i) => ({ id: `svc-${i}`, labels: labels(i), nodes: [{ host: upstream.host, port: upstream.port, weight: 1 }], type: 'roundrobin' })),
      services: ids.map((i) => ({ id: `svc-${i}`, hosts: ['api.example.com'], labels: { ...labels(i), 'tagway.version': `1.${revision}.0` }, upstream_id: `svc-${i}` })),
      routes: ids.map((i) => ({ id: `svc-${i}.list`, labels: labels(i), methods: ['GET'], name: `svc-${i}.list`, priority: revision, service_id: `svc-${i}`, uris: [`/svc-${i}/items`] })),
    };
    const snapshot = { group: 'bench', apisix, digest: tagway.configDigest(apisix) };
    const specs = fleet.map((g, i) => ({ kind: 'apisix', name: `gw-${i + 1}`, admin_url: g.url, admin_key: 'env:BENCH_KEY', proxy_url: g.proxyUrl }));
    const probes = checks ? [{ name: 'items', path: '/svc-0/items', host: 'api.example.com', status: [200], interval: 0 }] : [];
    const start = performance.now();
    const report = await tagway.syncGroup(snapshot, specs, { env: { BENCH_KEY: apiKey }, root: '.', rollout: { batch_size: 10 }, probes });
    const ms = performance.now() - start;
    const writes = report.targets.reduce((n, t) => n + t.writes, 0);
    const passed = report.targets.reduce((n, t) => n + (t.checks ?? []).filter((c) => c.ok).length, 0);
    return { ms, ok: report.ok, writes, probes: passed };
  },

  async validate({ dir }) {
    const start = performance.now();
    const outcome = await tagway.runValidate({ cwd: dir });
    return { ms: performance.now() - start, ok: outcome.ok, diagnostics: outcome.diagnostics.length };
  },

  async compile({ dir, group, draft }) {
    const start = performance.now();
    const outcome = await tagway.runCompile({ cwd: dir, groups: [group], draft: draft === true });
    const ms = performance.now() - start;
    const g = outcome.groups[0];
    return {
      ms,
      ok: outcome.ok,
      diagnostics: outcome.diagnostics.length,
      digest: g?.digest ?? null,
      changed: g?.changed ?? null,
      routes: g?.routes ?? 0,
      // Services compiled anew and spliced into the previous files; null: compiled whole.
      incremental: outcome.incremental?.length ?? null,
    };
  },

  /**
   * `tagway import` of a live gateway (bench/gateway.js, seeded with the synthetic gateway) into
   * `dir`, a folder made empty before the clock starts: the Admin API read, the files, the new
   * repository. `adopted`: the gateway's objects the written group takes over.
   */
  async import({ url, apiKey, dir, group }) {
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const start = performance.now();
    const outcome = await tagway.runImport({ cwd: dir, from: url, adminKey: 'env:TAGWAY_BENCH_ADMIN_KEY', group, env: { TAGWAY_BENCH_ADMIN_KEY: apiKey } });
    const ms = performance.now() - start;
    // Into a repository of its own: a folder inside another repository would add to that one.
    if (!outcome.createdRepository || outcome.root !== fs.realpathSync(dir)) throw new Error(`the import did not make a new repository in ${dir} (it wrote to ${outcome.root})`);
    const adopted = Object.values(outcome.adoption).reduce((n, count) => n + count, 0);
    return { ms, ok: outcome.written.length > 0, adopted, files: outcome.written.length, services: outcome.services.length, unexpressed: outcome.unexpressed.length, variables: outcome.variables.length };
  },

  /**
   * What a user does next with an imported repository, outside the measured time: the files
   * committed (the floor lists them with `git ls-files`), so the compile reads what a floor reads.
   */
  async 'commit-import'({ dir }) {
    const top = (await git(dir, ['rev-parse', '--show-toplevel'])).toString('utf8').trim();
    if (top !== fs.realpathSync(dir)) throw new Error(`${dir} is not the top of its own repository (${top} is)`);
    const start = performance.now();
    await git(dir, ['add', '-A']);
    await git(dir, ['-c', 'user.name=bench', '-c', 'user.email=bench@example.com', 'commit', '-q', '-m', 'Import the gateway']);
    return { ms: performance.now() - start, ok: true };
  },

  async diff({ dir, from, to }) {
    const start = performance.now();
    const outcome = await tagway.runDiff({ cwd: dir, from, to });
    const ms = performance.now() - start;
    const groups = (outcome.report?.groups ?? []).map((g) => ({ group: g.group, status: g.status }));
    return { ms, ok: outcome.ok, changed: outcome.report?.changed ?? null, groups };
  },

  async status({ dir }) {
    const start = performance.now();
    const report = await tagway.runStatus({ cwd: dir });
    const ms = performance.now() - start;
    return { ms, ok: report.ok, services: report.versions.services.length };
  },

  async sync({ dir, group, target, snapshot, env }) {
    const start = performance.now();
    const outcome = await tagway.runSync({ cwd: dir, group, targets: [target], snapshotFile: snapshot, env });
    const ms = performance.now() - start;
    const report = outcome.kind === 'synced' ? outcome.report.targets[0] : null;
    return { ms, ok: outcome.ok, status: report?.status ?? outcome.kind, writes: report?.writes ?? null, plan: report?.plan ?? null, error: report?.error?.message ?? null };
  },
};

function git(dir, args, input) {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', dir, ...args], { stdio: ['pipe', 'pipe', 'inherit'] });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.on('error', reject);
    child.stdin.on('error', () => {});
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`git ${args[0]} exited ${code}`))));
    child.stdin.end(input ?? '');
  });
}

const run = tasks[spec.task];
if (!run) throw new Error(`unknown task ${spec.task}`);
const result = await run(spec);
const usage = process.resourceUsage();
process.stdout.write(`${JSON.stringify({ ...result, maxRssKiB: usage.maxRSS, cpuMs: Math.round((usage.userCPUTime + usage.systemCPUTime) / 1000) })}\n`);
