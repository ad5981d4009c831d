// `vlens-digital-identity/mock`: start and stop the mock from a test suite's global setup, and steer
// its sandbox through the control API.
import { listen } from './server.js';
import { createSandboxControl } from './sandbox/client.js';

export { PrismMissingError } from './prism.js';
export { ExampleDriftError } from './drift.js';
export { SANDBOX_OTP } from './sandbox/index.js';
export { createSandboxControl, SandboxControlError } from './sandbox/client.js';

export async function startMock(options = {}) {
  const { url, port, stop } = await listen(options);
  return { url, port, stop, sandbox: (apiKey) => createSandboxControl({ baseUrl: url, apiKey }) };
}
