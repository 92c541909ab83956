// The start-up figures of the benchmark: how long the command line takes before it does any work,
// against the floor of starting node itself. Each figure is the wall time of a whole process
// (`bin/run.js`, as the installed `tagway` runs), measured round-robin so that a slow moment of
// the machine spreads over all of them; the median of the runs is reported.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/**
 * `floor`: `node -e 0`. `--version`, `--help`: oclif and the manifest, no command loaded.
 * `validate, empty repository`: a git repository without configuration, so the figure is the time
 * to reach validate's real work (start-up plus the modules validate runs on) and nothing more.
 */
export function benchStartup({ bin, work, runs, log }) {
  const empty = path.join(work, 'startup-empty');
  fs.rmSync(empty, { recursive: true, force: true });
  fs.mkdirSync(empty, { recursive: true });
  execFileSync('git', ['init', '-q', empty]);
  const figures = [
    ['floor (node -e 0)', ['-e', '0']],
    ['tagway --version', [bin, '--version']],
    ['tagway --help', [bin, '--help']],
    ['tagway validate, empty repository', [bin, 'validate']],
  ];
  const samples = new Map(figures.map(([name]) => [name, []]));
  // One unmeasured round first: the files are read from disk once, as they are for a user.
  for (let r = -1; r < runs; r++) {
    for (const [name, args] of figures) {
      const started = process.hrtime.bigint();
      const run = spawnSync(process.execPath, args, { cwd: empty, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      if (run.status !== 0) throw new Error(`${name} exited ${run.status}: ${run.stderr}`);
      if (r >= 0) samples.get(name).push(ms);
    }
  }
  fs.rmSync(empty, { recursive: true, force: true });
  const out = {};
  for (const [name] of figures) {
    const ms = samples.get(name);
    out[name] = { median: Math.round(median(ms)), min: Math.round(Math.min(...ms)), runs: ms.map((m) => Math.round(m)) };
    log(`  ${name}: median ${out[name].median} ms (fastest ${out[name].min} ms)`);
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}
