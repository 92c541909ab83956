// The load hook of load-recorder.mjs: records every module loaded through the ES module loader.
import fs from 'node:fs';
import { fileURLToPath } from 'node:url';

let out = '';

export function initialize(data) {
  out = data.out;
}

export async function load(url, context, next) {
  if (url.startsWith('file:')) fs.appendFileSync(out, `${fileURLToPath(url)}\n`);
  return next(url, context);
}
