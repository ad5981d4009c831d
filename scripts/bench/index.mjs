#!/usr/bin/env node
// `npm run bench`: runs every scripts/bench/*.bench.mjs in turn, each in its own process so one
// benchmark's heap and sockets never colour the next one's figures. They run on Node 26, the active
// LTS the kit supports (scripts/ensure-node.mjs fetches it once), not on whatever Node runs npm:
// start-up and request costs differ between majors. `--node current` measures the Node running npm.
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ensureNode } from '../ensure-node.mjs';

const dir = fileURLToPath(new URL('.', import.meta.url));
const args = process.argv.slice(2);
const current = args.includes('--node') && args[args.indexOf('--node') + 1] === 'current';
const only = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--node');
const node = current ? process.execPath : await ensureNode(26);
console.log(`Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} (${node === process.execPath ? 'the one running npm' : 'fetched by scripts/ensure-node.mjs'})`);
const benches = readdirSync(dir)
  .filter((name) => name.endsWith('.bench.mjs'))
  .filter((name) => !only || name.startsWith(only))
  .sort();
for (const name of benches) {
  console.log(`\n=== ${name} ===`);
  execFileSync(node, ['--expose-gc', `${dir}${name}`], { stdio: 'inherit' });
}
