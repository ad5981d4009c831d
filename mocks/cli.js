#!/usr/bin/env node
// `npm start` / `npx vlens-mock`.
// Node's on-disk compile cache (22.1+; TypeScript's tsc enables it the same way) makes every start
// after the first about a sixth faster (148 -> 126 ms to the first answer on Node 26, docs/performance.md).
// It must be on before the modules load, hence the dynamic import.
import module from 'node:module';

module.enableCompileCache?.();
const { main } = await import('./node/main.js');
main();
