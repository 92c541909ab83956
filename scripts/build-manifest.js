// Part of `npm run build` (after tsc): writes oclif.manifest.json, the flags, arguments and help
// texts of every command, read from the built command classes. With it, the command line starts
// without importing every command to learn what commands there are: `--help` and `--version` load
// no command, and a command loads only its own module.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Plugin } from '@oclif/core';

const root = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const plugin = new Plugin({ root, type: 'core', isRoot: true, ignoreManifest: true, errorOnManifestCreate: true });
await plugin.load();
fs.writeFileSync(path.join(root, 'oclif.manifest.json'), `${JSON.stringify(plugin.manifest, null, 2)}\n`);
