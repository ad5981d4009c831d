#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench/*.bench.mjs in turn, each in its own process so one
// benchmark's heap and sockets never colour the next one's figures.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const dir = fileURLToPath(new URL('.', import.meta.url));
const only = process.argv[2];
const benches = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => !only || name.startsWith(only))
  .sort();
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  execFileSync(process.execPath, ['--expose-gc', `${dir}${name}`], { stdio: 'inherit' });
}
