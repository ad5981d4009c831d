// `startMock()`: the sandbox over HTTP in a test suite's global setup (or any Node process).
import { createSandboxControl } from '../control/client.js';
import { readSeedFile, seedFileError } from './seed-file.js';
import { listen } from './server.js';

/** @import { ListenOptions } from './server.js' */
/** @typedef {ListenOptions & { seedFile?: string }} StartMockOptions */
/** @import { SandboxControl } from '../types.js' */

/**
 * A running mock.
 * @typedef {object} RunningMock
 * @property {string} url Base URL, e.g. `http://127.0.0.1:4010` (no trailing slash; `0.0.0.0` shows as `127.0.0.1`, IPv6 bracketed)
 * @property {number} port the port it listens on
 * @property {() => Promise<void>} stop Stops: requests in flight get a grace period (`shutdownGraceSeconds`, default 5) to finish, hung and delayed answers end at once, then every connection closes. Safe to call more than once.
 * @property {(apiKey: string) => SandboxControl} sandbox The control API of this mock's sandbox for the tenant of `apiKey` (the ApiKey your app sends), as createSandboxControl with this mock's url.
 */

/**
 * Starts the mock (a sandbox unless `stateless`) and listens; port 0 (the default) picks a free port.
 * `seedFile` (a JSON seed document, as mocks/seeds/example.json) or `initialState` (the same document)
 * gives it tenants to start with; it resolves once they are loaded. Rejects with ExampleDriftError when
 * a description given does not match its own examples, with a RangeError or TypeError naming an option
 * out of range or what is wrong with the seed, and with Node's EADDRINUSE/EACCES errors.
 * @param {StartMockOptions} [options]
 * @returns {Promise<RunningMock>}
 */
export async function startMock({ seedFile, ...options } = {}) {
  if (seedFile !== undefined) {
    if (options.initialState !== undefined) throw new TypeError('startMock takes seedFile or initialState, not both');
    options.initialState = readSeedFile(seedFile);
  }
  const running = await listen(options);
  try {
    await running.sandbox.ready;
  } catch (error) {
    await running.stop();
    throw seedFile === undefined ? error : seedFileError(error, seedFile);
  }
  return {
    url: running.url,
    port: running.port,
    stop: () => running.stop(),
    sandbox: (apiKey) => createSandboxControl({ baseUrl: running.url, apiKey }),
  };
}
