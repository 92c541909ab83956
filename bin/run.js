#!/usr/bin/env node
// oclif warns when Node is older than its own engines (node >= 18), and loads all of semver at
// every start to find out (about 10 ms). tagway's engines field asks for more (node >= 20.18), and
// npm warns about that when it installs tagway.
process.env.OCLIF_DISABLE_ENGINE_WARNING ??= '1';

const { execute } = await import('@oclif/core');

await execute({ dir: import.meta.url });
