#!/usr/bin/env node
// `npm run contract:mock`: starts the mock on a free port, runs Dredd and the Arazzo workflows
// against it, stops it, and exits non-zero on any failure. `--verbose` also prints both tools' own
// output. `--url <base URL>` checks a mock that is already running (the single executable, the
// container image) instead of starting one.
//
// The mock is a sandbox: it knows only the users it registered. Dredd registers and logs in the
// description's example user itself; the Arazzo workflows, which take a user token and that user's
// phone number, run as a user registered here through the API (StepVerifyPhone, then Register with the
// sandbox OTP), with a phone number of the sandbox's test range. Every id the checks chain is real.
import { randomBytes, randomInt } from 'node:crypto';
import { parseArgs } from 'node:util';
import { SANDBOX_OTP, startMock } from '../../mocks/index.js';
import { ContractSetupError, runContractChecks } from './run.mjs';

async function registerUser(baseUrl, apiKey) {
  // +20 19 00 NNNNNN: no real subscriber has it, and no outcome is forced for it.
  const phoneNumber = `+201900${String(randomInt(1e6)).padStart(6, '0')}`;
  const password = randomBytes(12).toString('base64url');
  const post = async (path, body) => {
    const response = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { ApiKey: apiKey, 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    const answer = await response.json();
    if (!response.ok || answer.error_code) throw new ContractSetupError(`The sandbox refused ${path} (${response.status}): ${answer.error_message}`);
    return answer.data;
  };
  const { phoneNumberOtpRequestId } = await post('/api/DigitalIdentity/Register/StepVerifyPhone', { phoneNumber });
  const { accessToken } = await post('/api/DigitalIdentity/Register', { phoneNumber, password, phoneNumberOtpRequestId, phoneNumberOtp: SANDBOX_OTP });
  return { phoneNumber, accessToken };
}

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
  const apiKey = process.env.VLENS_API_KEY || `mock-key-${randomBytes(9).toString('base64url')}`;
  const user = await registerUser(mock.url, apiKey);
  const env = { ...process.env, VLENS_API_KEY: apiKey, VLENS_USER_TOKEN: user.accessToken, VLENS_USER_EMAIL_OR_PHONE: user.phoneNumber };
  const { ok } = await runContractChecks({ baseUrl: mock.url, mode: 'mock', env, verbose });
  process.exitCode = ok ? 0 : 1;
} catch (error) {
  process.stderr.write(`contract:mock: ${error instanceof ContractSetupError ? error.message : error.stack}\n`);
  process.exitCode = 2;
} finally {
  await mock.stop();
}
