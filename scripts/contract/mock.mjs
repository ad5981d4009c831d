#!/usr/bin/env node
// `npm run contract:mock`: starts the mock on a free port, runs Dredd and the Arazzo workflows
// against it, stops it, and exits non-zero on any failure. `--verbose` also prints both tools' own
// output.
//
// The mock is a sandbox: it knows only the users it registered. So the checks run as a user registered
// through the API itself (StepVerifyPhone, then Register with the sandbox OTP), with the phone number
// and password of the description's login example, so that every id the checks chain is a real one.
import { randomBytes } from 'node:crypto';
import { SANDBOX_OTP, startMock } from '../../mocks/index.js';
import { loadBundle } from '../lib/description.mjs';
import { ContractSetupError, runContractChecks } from './run.mjs';

async function registerUser(baseUrl, apiKey) {
  const doc = loadBundle();
  const { phoneNumber, password } = Object.values(doc.paths['/api/DigitalIdentity/Login'].post.requestBody.content['application/json'].examples)[0].value;
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

const verbose = process.argv.includes('--verbose');
const mock = await startMock({ port: 0, log: false });
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
