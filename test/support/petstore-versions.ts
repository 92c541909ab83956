/**
 * Sync scenarios of what a template carries: the example repository with staging's targets
 * replaced, petstore versions published on top of it (staging tracks `petstore: ^1.0`), and a
 * staging file target synced twice.
 */
import fs from 'node:fs';
import path from 'node:path';
import { expect } from 'vitest';
import { runSync } from '../../src/app/sync.js';
import { synced } from './cli-run.js';
import type { TempRepo } from './git-repo.js';

export const PETSTORE_TEMPLATE = 'services/petstore/service.yaml';
export const STAGING_GROUP = 'gateway-groups/staging/group.yaml';
export const STAGING_FILE_TARGET = '  - name: local\n    kind: file\n    path: out/staging/apisix.yaml\n';

/** staging's group.yaml as in the example, with these targets (YAML list items). */
export function stagingWith(targets: string): string {
  return `name: staging\npublished:\n  petstore: ^1.0\n  orders: 1.0.0\n  catalog: 1.0.0\ntargets:\n${targets}`;
}

/** Commits petstore's template as `text` and tags it `petstore/v<version>`. */
export function publishPetstore(repo: TempRepo, version: string, text: string): void {
  repo.write(PETSTORE_TEMPLATE, text);
  repo.commit(`petstore: ${version}`);
  repo.tag(`petstore/v${version}`, { message: `petstore ${version}` });
}

/**
 * Syncs staging to its file target (`STAGING_FILE_TARGET`): one write, then nothing the second
 * time. Returns the file as the first sync wrote it.
 */
export async function syncStagingFileTwice(repo: TempRepo): Promise<string> {
  const sync = () => runSync({ cwd: repo.dir, group: 'staging', env: {}, retry: { maxAttempts: 1 } });
  expect(synced(await sync()).report.targets).toMatchObject([{ status: 'applied', writes: 1 }]);
  const file = fs.readFileSync(path.join(repo.dir, 'out', 'staging', 'apisix.yaml'), 'utf8');
  expect(synced(await sync()).report.targets).toMatchObject([{ status: 'in-sync', writes: 0 }]);
  return file;
}
