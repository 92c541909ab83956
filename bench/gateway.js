// Runs one of the test suite's APISIX test servers in its own process, so the server's request
// handling never shares an event loop (or a core's time slices) with the tagway under test.
// Started by bench/run.js with `node --import tsx bench/gateway.js admin|standalone [latency-ms]` and an IPC
// channel: it sends `{ url, apiKey }` once listening, answers `{ type: 'writes' }` with
// `{ writes }` (the writes of configuration: a sync's lease objects are not counted) and `{ type: 'reset' }` with `{ reset: true }`, and exits when the channel closes.
import { startAdminServer } from '../test/support/apisix-admin-server.ts';
import { startStandaloneServer } from '../test/support/apisix-standalone-server.ts';

const kind = process.argv[2];
// Milliseconds every request waits before it is handled, as a gateway across a network would.
const latency = Number(process.argv[3] ?? 0);
if ((kind !== 'admin' && kind !== 'standalone') || !(latency >= 0)) {
  process.stderr.write('usage: node --import tsx bench/gateway.js admin|standalone [latency-ms]\n');
  process.exit(2);
}
const server = kind === 'admin' ? await startAdminServer({ apiKey: 'bench-key' }) : await startStandaloneServer({ apiKey: 'bench-key' });
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
  }
});
process.on('disconnect', () => {
  void server.close().finally(() => process.exit(0));
});
process.send?.({ url: server.url, apiKey: server.apiKey });
