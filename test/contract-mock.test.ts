// `npm run contract:mock` is part of `npm test`: it starts the mock, runs Dredd over every
// documented transaction and Respect over every Arazzo workflow, stops the mock, and must pass
// with nothing skipped. Credentials passed in must never be printed.
import { describe, expect, it } from 'vitest';
import { listOperations, loadBundle } from '../scripts/lib/description.mjs';
import { runScript, secret } from './support/contract/run-script.mjs';

const documentedTransactions = listOperations(loadBundle()).reduce((sum, { operation }) => sum + Object.keys(operation.responses).length, 0);

describe('npm run contract:mock', () => {
  it('passes every Dredd transaction and every Arazzo workflow against the mock, printing no credential', async () => {
    const credentials = { VLENS_API_KEY: secret('mock-key'), VLENS_USER_TOKEN: secret('mock-user'), VLENS_ADMIN_TOKEN: secret('mock-admin') };
    const { code, output } = await runScript('scripts/contract/mock.mjs', credentials, ['--verbose']);

    expect(output).toContain(`Dredd: ${documentedTransactions} passed, 0 failed, 0 skipped (0 with a reason), ${documentedTransactions} transactions in `);
    expect(output).toContain('Respect: 3 passed, 0 failed, 0 skipped, 3 workflows in ');
    expect(output).toMatch(/complete: \d+ passing, 0 failing, 0 errors, 0 skipped/);
    expect(output).toContain('Contract checks passed.');
    expect(code, output).toBe(0);
    for (const value of Object.values(credentials)) expect(output).not.toContain(value);
    // About 9 CPU-seconds in all (README, Contract checks): 9-11 s of wall time on a quiet 2-core machine, 28-34 s on a busy one.
  }, 180_000);
});
