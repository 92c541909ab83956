/**
 * Worker threads that run one of tagway's own modules. Built, a module runs as the `.js` file
 * next to its caller; run from the TypeScript sources (the test suite), it is loaded through tsx,
 * which the test suite has installed.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** A worker running the module `name` (no extension) next to the module at `here` (its `import.meta.url`). */
export function startModuleWorker(here: string, name: string): Worker {
  if (!here.endsWith('.ts')) return new Worker(new URL(`./${name}.js`, here));
  const tsx = createRequire(here).resolve('tsx/esm/api').replace(/api\/index\.cjs$/, 'api/index.mjs');
  const entry = new URL(`./${name}.ts`, here).href;
  const boot = `import(${JSON.stringify(`file://${tsx}`)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true });
}
