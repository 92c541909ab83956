/**
 * Two runs of one group that change different parts of it: the bundled example with its staging
 * group on one `apisix` target, at three revisions, plus a second clone of it (each clone has its
 * own local lock, so two runs from the two clones meet only at the gateway's lease).
 *
 * - `base`: petstore 1.1.0, orders and catalog 1.0.0 (the example as it is);
 * - `pinned`: petstore pinned back to 1.0.0 (a route deleted, labels changed);
 * - `moved`: as `base`, with orders' upstream on another node (one upstream updated).
 *
 * From `base`, `pinned` and `moved` touch disjoint objects: a gateway that got both runs' writes
 * holds neither snapshot.
 */
import fs from 'node:fs';
import path from 'node:path';
import { runSync } from '../../src/app/sync.js';
import { startAdminServer, type AdminServer, type AdminServerOptions } from './apisix-admin-server.js';
import { makeExampleRepo, writeExampleTls } from './example-repo.js';
import { makeTempDir, runGit, type TempRepo } from './git-repo.js';

export const RACE_KEY_VAR = 'TAGWAY_RACE_KEY';

export interface RaceRepo {
  readonly repo: TempRepo;
  /** A `git clone` of `repo`, with the same commits. */
  readonly clone: string;
  readonly base: string;
  readonly pinned: string;
  readonly moved: string;
  cleanup(): void;
}

function stagingGroup(url: string, petstore: string): string {
  return (
    `name: staging\npublished:\n  petstore: ${petstore}\n  orders: 1.0.0\n  catalog: 1.0.0\n` +
    `targets:\n  - name: eu-1\n    kind: apisix\n    admin_url: ${url}\n    admin_key: env:${RACE_KEY_VAR}\nrollout:\n  batch_size: 1\n`
  );
}

export function makeRaceRepo(adminUrl: string): RaceRepo {
  const group = 'gateway-groups/staging/group.yaml';
  const orders = 'gateway-groups/staging/services/orders.yaml';
  const repo = makeExampleRepo({ [group]: stagingGroup(adminUrl, '^1.0') });
  const base = repo.git('rev-parse', 'HEAD');
  repo.write(group, stagingGroup(adminUrl, '1.0.0'));
  const pinned = repo.commit('staging: pin petstore 1.0.0');
  repo.write(group, stagingGroup(adminUrl, '^1.0'));
  repo.write(orders, repo.read(orders).replace('10.10.2.11', '10.10.2.21'));
  const moved = repo.commit('staging: move orders to another node');
  const work = makeTempDir('tagway-race-clone-');
  runGit(work.dir, ['clone', '--quiet', repo.dir, 'clone']);
  const clone = fs.realpathSync(path.join(work.dir, 'clone'));
  // The clone's host holds the example's certificate files too: git has none.
  writeExampleTls(clone);
  return {
    repo,
    clone,
    base,
    pinned,
    moved,
    cleanup: () => {
      repo.cleanup();
      work.cleanup();
    },
  };
}

/** A race repository whose staging group targets an Admin API test server. */
export interface RaceWorld extends RaceRepo {
  readonly gateway: AdminServer;
  /** `RACE_KEY_VAR` set to the gateway's key, for `runSync`. */
  readonly env: Readonly<Record<string, string>>;
  /** Empties the gateway, seeds `foreign` upstreams of another owner, and syncs `base` to it. */
  reset(): Promise<void>;
  close(): Promise<void>;
}

export async function startRaceWorld(options: AdminServerOptions & { readonly apiKey: string; readonly foreign?: number }): Promise<RaceWorld> {
  const gateway = await startAdminServer(options);
  const race = makeRaceRepo(gateway.url);
  const env = { [RACE_KEY_VAR]: options.apiKey };
  return {
    ...race,
    gateway,
    env,
    reset: async () => {
      gateway.reset();
      for (let i = 0; i < (options.foreign ?? 0); i += 1) {
        gateway.seed('upstreams', `legacy-${String(i).padStart(3, '0')}`, { nodes: { '10.9.0.1:80': 1 }, type: 'roundrobin', labels: { team: 'legacy' } });
      }
      const outcome = await runSync({ cwd: race.repo.dir, group: 'staging', rev: race.base, env });
      if (!outcome.ok) throw new Error('the base revision did not sync');
    },
    close: async () => {
      await gateway.close();
      race.cleanup();
    },
  };
}
