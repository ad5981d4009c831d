// The parity suite against the MSW handlers in a Node process (`setupServer`), as an app's own tests
// run them. Bundled by test/msw-parity.test.ts and run by a Node of the version MSW needs; prints the
// suite's record as JSON on its standard output.
import { setupServer } from 'msw/node';
import { vlensSandbox } from '../../mocks/msw/index.js';
import { runParity } from './suite.js';

const sandbox = vlensSandbox();
const server = setupServer(...sandbox.handlers);
// Anything the suite sends elsewhere is a failure, not a request to the network (MSW 3 names the
// option onUnhandledFrame, MSW 2 onUnhandledRequest; this runner runs with both).
server.listen({ onUnhandledFrame: 'error', onUnhandledRequest: 'error' } as Parameters<typeof server.listen>[0]);
try {
  const record = await runParity({ baseUrl: 'https://api.vlenseg.com', control: (apiKey) => sandbox.control(apiKey) });
  process.stdout.write(`${JSON.stringify(record)}\n`);
} finally {
  sandbox.close();
  server.close();
}
