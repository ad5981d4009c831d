#!/usr/bin/env node
// `npm run contract:mock`: starts the mock on a free port, runs Dredd and the Arazzo workflows
// against it, stops it, and exits non-zero on any failure. `--verbose` also prints both tools' own
// output. `--url <base URL>` checks a mock that is already running (the single executable, the
// container image) instead of starting one.
import { parseArgs } from 'node:util';
import { startMock } from '../../mocks/index.js';
import { ContractSetupError, runContractChecks } from './run.mjs';

let args;
try {
  args = parseArgs({ options: { verbose: { type: 'boolean' }, url: { type: 'string' } } }).values;
} catch (error) {
  process.stderr.write(`contract:mock: ${error.message}\nUsage: npm run contract:mock -- [--verbose] [--url <base URL of a running mock>]\n`);
  process.exit(2);
}
const { verbose, url } = args;
const mock = url ? { url, stop: async () => {} } : await startMock({ port: 0, log: false });
try {
  const { ok } = await runContractChecks({ baseUrl: mock.url, mode: 'mock', verbose });
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`contract:mock: ${error instanceof ContractSetupError ? error.message : error.stack}\n`);
  process.exitCode = 2;
} finally {
  await mock.stop();
}
