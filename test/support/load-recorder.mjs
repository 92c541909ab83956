// Preloaded with `node --import` by test/startup.test.ts: appends the file of every module the
// process loads, one a line, to the file named by TAGWAY_LOAD_RECORD. ES modules are seen by a
// load hook (which runs on a thread of its own), CommonJS ones by wrapping Module._load, which
// `require`, `createRequire` and the import of a CommonJS module all go through.
import fs from 'node:fs';
import Module, { register } from 'node:module';

const out = process.env.TAGWAY_LOAD_RECORD;
if (out) {
  register(new URL('./load-recorder-hooks.mjs', import.meta.url), { data: { out } });
  const load = Module._load;
  Module._load = function recordedLoad(request, parent, isMain) {
    const exports = load.call(this, request, parent, isMain);
    if (!request.startsWith('node:') && !Module.builtinModules.includes(request)) {
      try {
        fs.appendFileSync(out, `${Module._resolveFilename(request, parent, isMain)}\n`);
      } catch {
        // A request that resolved once resolves again; a failure here is no finding.
      }
    }
    return exports;
  };
}

