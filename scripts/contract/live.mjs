#!/usr/bin/env node
// `npm run contract:live`: the same checks against a live tenant named by environment variables.
// Without VLENS_BASE_URL it explains how to enable it and exits 0, so CI can always call it.
import { ContractSetupError, FIXTURE_FILES, runContractChecks } from './run.mjs';

const HOW_TO = `contract:live is off: VLENS_BASE_URL is not set.

To check the description against a live Vlens tenant (a sandbox or a non-production tenant), set:
  VLENS_BASE_URL             base URL, e.g. https://api.vlens.co or http://127.0.0.1:8080 (required)
  VLENS_API_KEY              the tenant's ApiKey
  VLENS_TENANCY_NAME         the tenant name (sent as the TenancyName header)
  VLENS_USER_TOKEN           a user access token (capture steps, linking)
  VLENS_ADMIN_TOKEN          an admin access token with the Requests permission (image retrieval)
  VLENS_USER_EMAIL_OR_PHONE  email or phone of the user behind VLENS_USER_TOKEN (image retrieval)
  VLENS_FIXTURES_DIR         a folder with real test images to send instead of the examples:
                             ${Object.values(FIXTURE_FILES).join(', ')}
then run: npm run contract:live
Checks whose credentials are missing are skipped, each with the reason. Keys and tokens are never printed.
`;

const baseUrl = process.env.VLENS_BASE_URL;
if (!baseUrl) {
  process.stdout.write(HOW_TO);
} else {
  try {
    const { ok } = await runContractChecks({ baseUrl, mode: 'live', verbose: process.argv.includes('--verbose') });
    process.exitCode = ok ? 0 : 1;
  } catch (error) {
    process.stderr.write(`contract:live: ${error instanceof ContractSetupError ? error.message : error.stack}\n`);
    process.exitCode = 2;
  }
}
