// Preloaded (`node --import`) by bench/startup.js: at exit, writes when the command's work started,
// the `tagway:work` mark (src/cli/base.ts) in ms after the process started, to the file named by
// TAGWAY_BENCH_MARK; an empty file when the command set no mark.
import fs from 'node:fs';
import { performance } from 'node:perf_hooks';

process.on('exit', () => {
  const [mark] = performance.getEntriesByName('tagway:work', 'mark');
  fs.writeFileSync(process.env.TAGWAY_BENCH_MARK, mark ? String(mark.startTime) : '');
});
