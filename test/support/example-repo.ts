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
import { makeCertificate, type TestCertificate } from './certificates.js';

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

/**
 * The certificate of the example's staging group, as `npm run demo` makes it when it runs (once
 * per test process, never committed): for staging's hosts, valid from a day ago for a year.
 */
export const EXAMPLE_STAGING_TLS: TestCertificate = await makeCertificate({
  names: ['api.staging.example.com', 'petstore.staging.example.com'],
  notBefore: new Date(Date.now() - 24 * 60 * 60 * 1000),
  notAfter: new Date(Date.now() + 365 * 24 * 60 * 60 * 1000),
});

/**
 * Writes the example's certificate files (tls/staging.crt, tls/staging.key) into a repository
 * or a clone of it (as its operator puts them beside the files), kept out of its commits as the
 * demo's .gitignore keeps them (here by .git/info/exclude, which leaves the committed tree, and
 * so the commit ids, as they are).
 */
export function writeExampleTls(dir: string, tls: TestCertificate = EXAMPLE_STAGING_TLS): void {
  const exclude = path.join(dir, '.git', 'info', 'exclude');
  fs.mkdirSync(path.dirname(exclude), { recursive: true });
  if (!(fs.existsSync(exclude) && fs.readFileSync(exclude, 'utf8').includes('/tls/\n'))) fs.appendFileSync(exclude, '/tls/\n');
  fs.mkdirSync(path.join(dir, 'tls'), { recursive: true });
  fs.writeFileSync(path.join(dir, 'tls', 'staging.crt'), tls.cert);
  fs.writeFileSync(path.join(dir, 'tls', 'staging.key'), tls.key);
}

/** The example as `npm run demo` makes it: its files committed, its certificate files beside them (not committed). */
export function makeExampleRepo(extra: Readonly<Record<string, FileSpec>> = {}): TempRepo {
  const repo = makeRepo({ files: { ...exampleFiles(), ...extra }, commit: 'example configuration' });
  for (const service of ['catalog', 'orders', 'petstore']) repo.tag(`${service}/v1.0.0`, { message: `${service} 1.0.0` });
  repo.write('services/petstore/service.yaml', repo.read('services/petstore/service.yaml') + PETSTORE_1_1_ROUTE);
  repo.commit('petstore: add the pet photos route');
  repo.tag('petstore/v1.1.0', { message: 'petstore 1.1.0' });
  writeExampleTls(repo.dir);
  return repo;
}
