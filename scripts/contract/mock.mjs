#!/usr/bin/env node
// `npm run contract:mock`: starts the mock on a free port, runs Dredd and the Arazzo workflows
// against it, stops it, and exits non-zero on any failure. `--verbose` also prints both tools' own
// output.
import { startMock } from '../../mocks/index.js';
import { ContractSetupError, runContractChecks } from './run.mjs';

const verbose = process.argv.includes('--verbose');
const mock = await startMock({ port: 0, log: false });
try {
  const { ok } = await runContractChecks({ baseUrl: mock.url, mode: 'mock', verbose });
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`contract:mock: ${error instanceof ContractSetupError ? error.message : error.stack}\n`);
  process.exitCode = 2;
} finally {
  await mock.stop();
}
