// `vlens-digital-identity/mock`: start and stop the mock from a test suite's global setup, and steer
// its sandbox through the control API. Node only; the engine itself is `vlens-digital-identity/sandbox`.
export { startMock } from './node/start.js';
export { PrismMissingError } from './node/prism.js';
export { ExampleDriftError } from './node/drift.js';
export { SANDBOX_OTP } from './engine/sandbox.js';
export { createSandboxControl, SandboxControlError } from './control/client.js';
export { startProxy } from './proxy/server.js';

/** @typedef {import('./types.js').SandboxControl} SandboxControl */
/** @typedef {import('./node/start.js').StartMockOptions} StartMockOptions */
/** @typedef {import('./types.js').SeedDocument} SeedDocument */
/** @typedef {import('./node/start.js').RunningMock} RunningMock */
/** @typedef {import('./proxy/server.js').ProxyOptions} StartProxyOptions */
/** @typedef {import('./proxy/server.js').RunningProxy} RunningProxy */
/** @typedef {import('./proxy/report.js').ProxyReport} ProxyReport */
