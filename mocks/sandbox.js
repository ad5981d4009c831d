// `vlens-digital-identity/sandbox`: the sandbox engine on web-standard Request and Response, for any
// place that has them (a browser page, a Service Worker, Node 22+, a test process): createSandbox(),
// then `await sandbox.handle(new Request(...))`. No Node module, no file system, no Prism: answers no
// named example gives (`Prefer: dynamic=true`) are 501 here; the Node mock (`/mock`) generates them.
export { createSandbox, SANDBOX_OTP } from './engine/sandbox.js';
export { createSandboxControl, SandboxControlError } from './control/client.js';
export { DEFAULT_LIMITS } from './engine/options.js';

/** @typedef {import('./types.js').Sandbox} Sandbox */
/** @typedef {import('./types.js').SandboxOptions} SandboxOptions */
/** @typedef {import('./types.js').SandboxControl} SandboxControl */
/** @typedef {import('./types.js').IncomingRequest} IncomingRequest */
/** @typedef {import('./types.js').Served} Served */
