// Runs one of the test suite's APISIX test servers in its own process, so the server's request
// handling never shares an event loop (or a core's time slices) with the tagway under test.
// Started by bench/run.js with `node --import tsx bench/gateway.js admin|standalone [latency-ms]` and an IPC
// channel: it sends `{ url, apiKey }` once listening, answers `{ type: 'writes' }` with
// `{ writes }` (the writes of configuration: a sync's lease objects are not counted) and `{ type: 'reset' }` with `{ reset: true }`, and exits when the channel closes.
// An Admin API also answers `{ type: 'seed-synthetic', services: n }` (what `tagway import` reads)
// with `{ objects }`, once it holds the synthetic gateway of n services (test/support/synthetic-gateway.ts).
import { startAdminServer } from '../test/support/apisix-admin-server.ts';
import { startStandaloneServer } from '../test/support/apisix-standalone-server.ts';
import { startDataPlane, startUpstream } from '../test/support/data-plane.ts';
import { buildSyntheticGateway, syntheticCertificates } from '../test/support/synthetic-gateway.ts';

const kind = process.argv[2];
// Milliseconds every request waits before it is handled, as a gateway across a network would.
const latency = Number(process.argv[3] ?? 0);
if (kind === 'fleet') await startFleet(latency);
else if ((kind !== 'admin' && kind !== 'standalone') || !(latency >= 0)) {
  process.stderr.write('usage: node --import tsx bench/gateway.js admin|standalone [latency-ms] | fleet <gateways>\n');
  process.exit(2);
} else await startOne();

/**
 * `fleet N`: N Admin API test servers, each with a data-plane stand-in routing by what it holds,
 * and one upstream behind them all, for rollouts with health checks. Sends
 * `{ fleet: [{ url, proxyUrl }], upstream: { host, port }, apiKey }`; `reset` empties every gateway.
 */
async function startFleet(n) {
  const upstream = await startUpstream('bench');
  const gateways = [];
  for (let i = 0; i < n; i++) {
    const admin = await startAdminServer({ apiKey: 'bench-key', checks: false });
    gateways.push({ admin, plane: await startDataPlane(admin) });
  }
  process.on('message', (message) => {
    if (message?.type === 'reset') {
      for (const g of gateways) g.admin.reset();
      process.send?.({ reset: true });
    } else if (message?.type === 'writes') process.send?.({ writes: gateways.reduce((sum, g) => sum + g.admin.objectWrites(), 0) });
  });
  process.on('disconnect', () => {
    void Promise.all([upstream.close(), ...gateways.flatMap((g) => [g.admin.close(), g.plane.close()])]).finally(() => process.exit(0));
  });
  process.send?.({ url: null, apiKey: 'bench-key', fleet: gateways.map((g) => ({ url: g.admin.url, proxyUrl: g.plane.url })), upstream: { host: upstream.host, port: upstream.port } });
}

async function startOne() {
  // The benchmark measures the client: the gateway skips APISIX's checks (the tests keep them on).
  const server = kind === 'admin' ? await startAdminServer({ apiKey: 'bench-key', checks: false }) : await startStandaloneServer({ apiKey: 'bench-key' });
  const addLatency = () => {
    if (latency > 0) server.faults.add({ times: Infinity, action: { kind: 'delay', ms: latency } });
  };
  addLatency();

  process.on('message', (message) => {
    if (message?.type === 'writes') process.send?.({ writes: 'objectWrites' in server ? server.objectWrites() : server.writes() });
    else if (message?.type === 'reset') {
      server.reset();
      addLatency();
      process.send?.({ reset: true });
    } else if (message?.type === 'seed-synthetic' && 'seed' in server) {
      void seedSynthetic(server, message.services).then((objects) => process.send?.({ objects }));
    }
  });
  process.on('disconnect', () => {
    void server.close().finally(() => process.exit(0));
  });
  process.send?.({ url: server.url, apiKey: server.apiKey });
}

/**
 * Puts the synthetic gateway of `n` services into the Admin API test server as its users would
 * have made it, object by object (the certificates are made once per process). Returns how many
 * objects it holds.
 */
async function seedSynthetic(server, n) {
  const config = buildSyntheticGateway(n, await syntheticCertificates());
  let objects = 0;
  for (const [kind, list] of Object.entries(config)) {
    for (const object of list) {
      server.seed(kind, object.id, object);
      objects += 1;
    }
  }
  return objects;
}
