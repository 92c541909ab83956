/**
 * The project's bundled example (services/, gateway-groups/) as a real git repository with the
 * version tags its groups publish, made the same way `npm run demo` makes it: 1.0.0 of every
 * service, then a petstore 1.1.0 that adds a route.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FileSpec, TempRepo } from './git-repo.js';
import { makeRepo } from './git-repo.js';

export const PROJECT_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export const PETSTORE_1_1_ROUTE = '  - name: pet-photos\n    uris: [/pets/*/photos]\n    methods: [GET, POST]\n';

/** The example's config files, by repository path. */
export function exampleFiles(): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(PROJECT_ROOT, rel), { withFileTypes: true })) {
      const child = `${rel}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else out[child] = fs.readFileSync(path.join(PROJECT_ROOT, child), 'utf8');
    }
  };
  walk('services');
  walk('gateway-groups');
  return out;
}

export function makeExampleRepo(extra: Readonly<Record<string, FileSpec>> = {}): TempRepo {
  const repo = makeRepo({ files: { ...exampleFiles(), ...extra }, commit: 'example configuration' });
  for (const service of ['catalog', 'orders', 'petstore']) repo.tag(`${service}/v1.0.0`, { message: `${service} 1.0.0` });
  repo.write('services/petstore/service.yaml', repo.read('services/petstore/service.yaml') + PETSTORE_1_1_ROUTE);
  repo.commit('petstore: add the pet photos route');
  repo.tag('petstore/v1.1.0', { message: 'petstore 1.1.0' });
  return repo;
}
